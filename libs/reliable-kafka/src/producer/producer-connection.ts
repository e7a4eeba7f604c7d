import { DeliveryTimeoutError } from './errors/delivery-timeout.error';
import type { KafkaClientFactory } from '../kafka/port/client-factory';
import type { ProducerClient, ProducerClientSettings } from '../kafka/port/producer-client';
import { DeliveryDeadline, type DeliveryDeadlineSettings } from './delivery-deadline';

/**
 * The application producer's one client, connected on first use and shared by every send; a
 * failed connection is tried again by the next send.
 */
export class ProducerConnection {
  private client?: ProducerClient;
  private sender?: DeliveryDeadline;
  private connecting?: Promise<DeliveryDeadline>;

  constructor(
    private readonly clients: KafkaClientFactory,
    private readonly settings: ProducerClientSettings & DeliveryDeadlineSettings,
  ) {}

  /** Connecting counts against the delivery timeout too (a broker down at the first send). */
  async connectWithin(topic: string): Promise<DeliveryDeadline> {
    if (this.sender) return this.sender;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.connect(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new DeliveryTimeoutError(topic, this.settings.deliveryTimeoutMs)),
            this.settings.deliveryTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The client's sends within the delivery timeout. */
  connect(): Promise<DeliveryDeadline> {
    if (this.sender) return Promise.resolve(this.sender);
    this.connecting ??= (async () => {
      const client = this.clients.createProducer(this.settings, 'producer');
      try {
        await client.connect();
      } catch (error) {
        this.connecting = undefined;
        await client.disconnect();
        throw error;
      }
      this.client = client;
      this.sender = new DeliveryDeadline(client, this.settings);
      return this.sender;
    })();
    return this.connecting;
  }

  async disconnect(): Promise<void> {
    await this.client?.disconnect();
    this.client = undefined;
    this.sender = undefined;
    this.connecting = undefined;
  }
}
