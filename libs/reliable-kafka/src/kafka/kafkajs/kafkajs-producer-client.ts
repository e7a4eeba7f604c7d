import {
  type Admin,
  type Kafka,
  type PartitionMetadata,
  Partitioners,
  type Producer,
} from 'kafkajs';
import type { OutgoingRecord, ProducerClient, SentRecord } from '../kafka-port';
import { isTransientKafkaError, kafkaErrorType } from './kafkajs-errors';

/** Longest pause between two of kafkajs's retries of one send. */
const MAX_RETRY_PAUSE_MS = 1_000;

/** Settings of an application producer, already validated (see options/producer-settings.ts). */
export interface ProducerClientSettings {
  deliveryTimeoutMs: number;
  acks: -1 | 0 | 1;
  idempotent: boolean;
  maxInFlightRequests: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
}

/** A record with its partition chosen, and where it landed once acknowledged. */
export interface PlacedRecord extends SentRecord {
  index: number;
}

/**
 * A kafkajs producer configured from the producer settings, choosing each record's partition
 * itself (kafkajs's default, Java-compatible partitioner) so every record's offset is known: a
 * produce response gives only the base offset of each partition's batch.
 */
export class KafkajsProducerClient implements ProducerClient {
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly partitions = new Map<string, { at: number; metadata: PartitionMetadata[] }>();

  constructor(
    kafka: Kafka,
    private readonly settings: ProducerClientSettings,
  ) {
    const pause = Math.max(settings.retryBackoffMs, MAX_RETRY_PAUSE_MS);
    this.producer = kafka.producer({
      idempotent: settings.idempotent,
      maxInFlightRequests: settings.maxInFlightRequests,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: {
        initialRetryTime: settings.retryBackoffMs,
        maxRetryTime: pause,
        retries: Math.max(1, Math.ceil(settings.deliveryTimeoutMs / pause)),
      },
    });
    this.admin = kafka.admin();
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    await this.admin.connect();
  }

  async disconnect(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  isTransient(error: unknown): boolean {
    return isTransientKafkaError(error);
  }

  isUnknownTopic(error: unknown): boolean {
    return kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION';
  }

  /**
   * One attempt (kafkajs's own retries included): resolves when every record is acknowledged,
   * with each record's partition and offset, or fails with the kafkajs error as is.
   */
  async sendOnce(topic: string, records: OutgoingRecord[]): Promise<PlacedRecord[]> {
    // Asked even when every record has its partition (dead letters keep the original's): the
    // metadata answer is what says the topic does not exist, without kafkajs's own long retries.
    const metadata = await this.partitionMetadata(topic);
    const placed = records.map((r) => ({
      ...r,
      partition:
        r.partition ??
        this.partitioner({
          topic,
          partitionMetadata: metadata,
          message: { key: r.key, value: r.value },
        }),
    }));
    const result = await this.producer.send({
      topic,
      acks: this.settings.acks,
      timeout: this.settings.requestTimeoutMs,
      messages: placed,
    });
    const base = new Map(result.map((r) => [r.partition, BigInt(r.baseOffset ?? '-1')]));
    const seen = new Map<number, bigint>();
    return placed.map((r, index) => {
      const n = seen.get(r.partition) ?? 0n;
      seen.set(r.partition, n + 1n);
      const first = base.get(r.partition);
      return {
        index,
        topic,
        partition: r.partition,
        offset: first === undefined || first < 0n ? '' : String(first + n),
      };
    });
  }

  /** Partition list of a topic, refreshed every 30 s so added partitions are used. */
  private async partitionMetadata(topic: string): Promise<PartitionMetadata[]> {
    const cached = this.partitions.get(topic);
    if (cached && Date.now() - cached.at < 30_000) return cached.metadata;
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const metadata = topics[0]?.partitions ?? [];
    this.partitions.set(topic, { at: Date.now(), metadata });
    return metadata;
  }
}
