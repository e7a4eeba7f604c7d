import type { KafkaConfig } from 'kafkajs';
import { DeliveryTimeoutError } from '../errors/delivery-timeout.error';
import { createKafkaClient } from '../kafka/kafkajs/kafkajs-client-factory';
import {
  KafkajsProducerClient,
  type ProducerClientSettings,
} from '../kafka/kafkajs/kafkajs-producer-client';

/**
 * The application producer's one client, connected on first use and shared by every send; a
 * failed connection is tried again by the next send.
 */
export class ProducerConnection {
  private client?: KafkajsProducerClient;
  private connecting?: Promise<KafkajsProducerClient>;

  constructor(
    private readonly config: KafkaConfig,
    private readonly settings: ProducerClientSettings,
  ) {}

  /** Connecting counts against the delivery timeout too (a broker down at the first send). */
  async connectWithin(topic: string): Promise<KafkajsProducerClient> {
    if (this.client) return this.client;
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

  connect(): Promise<KafkajsProducerClient> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new KafkajsProducerClient(
        createKafkaClient({
          ...this.config,
          clientId: `${this.config.clientId ?? 'reliable-kafka'}-producer`,
        }),
        this.settings,
      );
      try {
        await client.connect();
      } catch (error) {
        this.connecting = undefined;
        await client.disconnect();
        throw error;
      }
      this.client = client;
      return client;
    })();
    return this.connecting;
  }

  async disconnect(): Promise<void> {
    await this.client?.disconnect();
    this.client = undefined;
    this.connecting = undefined;
  }
}
