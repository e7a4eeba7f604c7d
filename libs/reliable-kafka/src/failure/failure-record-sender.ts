import { Inject, Injectable } from '@nestjs/common';
import { ConsumersNotStartedError } from '../errors/lifecycle.errors';
import type { KafkaClientFactory } from '../kafka/port/client-factory';
import type {
  OutgoingRecord,
  ProducerClient,
  RecordSender,
  SentRecord,
} from '../kafka/port/producer-client';
import type { ResolvedOptions } from '../options/reliable-kafka.options-resolver';
import { DeliveryDeadline } from '../producer/delivery-deadline';
import { KAFKA_CLIENT_FACTORY, RESOLVED_OPTIONS } from '../reliable-kafka.constants';

/**
 * The sender of dead-letter, retry-topic and replay writes. It shares the consumers' Kafka client
 * and lives while they run (they open and close it), but always sends with the safe settings,
 * whatever the app chose for its own records: losing a dead letter loses a message.
 */
@Injectable()
export class FailureRecordSender implements RecordSender {
  private client?: ProducerClient;
  private sender?: DeliveryDeadline;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedOptions,
    @Inject(KAFKA_CLIENT_FACTORY) private readonly clients: KafkaClientFactory,
  ) {}

  async open(): Promise<void> {
    const { deliveryTimeoutMs, requestTimeoutMs, retryBackoffMs } = this.options.producer;
    const client = this.clients.createProducer(
      {
        acks: -1,
        idempotent: true,
        maxInFlightRequests: 1,
        deliveryTimeoutMs,
        requestTimeoutMs,
        retryBackoffMs,
      },
      'consumers',
    );
    this.client = client;
    this.sender = new DeliveryDeadline(client, this.options.producer);
    await client.connect();
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.sender = undefined;
    await client?.disconnect();
  }

  /** Fails with ConsumersNotStartedError before the consumers started or after they stopped. */
  async send(topic: string, records: OutgoingRecord[]): Promise<SentRecord[]> {
    if (!this.sender) throw new ConsumersNotStartedError();
    return this.sender.send(topic, records);
  }
}
