import {
  type Admin,
  type Kafka,
  type PartitionMetadata,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { DeliveryTimeoutError } from '../../errors/delivery-timeout.error';
import { UnknownTopicError } from '../../errors/unknown-topic.error';
import type { OutgoingRecord, RecordSender, SentRecord } from '../kafka-port';
import { isTransientKafkaError, kafkaErrorType } from './kafkajs-errors';

/** Longest pause between two retries of one send. */
const MAX_RETRY_PAUSE_MS = 1_000;

/**
 * How long a broker may keep answering "unknown topic" before a send gives up with
 * UnknownTopicError instead of waiting out the delivery timeout. Long enough for a topic created
 * an instant ago (by another client or process) to reach the broker's metadata, which takes
 * milliseconds on one broker and well under a second in a cluster; short enough that a typo in
 * a topic name fails the caller at once. A broker that cannot be reached never answers "unknown
 * topic", so outages are still retried until the delivery timeout.
 */
const UNKNOWN_TOPIC_PATIENCE_MS = 3_000;

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
export class KafkajsProducerClient implements RecordSender {
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

  /**
   * Sends the records of one topic; resolves when all are acknowledged, with each record's
   * partition and offset. Fails with DeliveryTimeoutError past the delivery timeout, or with
   * the kafkajs error as is (the caller classifies it).
   */
  async send(topic: string, records: OutgoingRecord[]): Promise<PlacedRecord[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DeliveryTimeoutError(topic, this.settings.deliveryTimeoutMs)),
        this.settings.deliveryTimeoutMs,
      );
    });
    const attempt = { cancelled: false };
    try {
      return await Promise.race([
        this.sendUntil(topic, records, Date.now() + this.settings.deliveryTimeoutMs, attempt),
        timeout,
      ]);
    } catch (error) {
      if (error instanceof DeliveryTimeoutError || error instanceof UnknownTopicError) throw error;
      if (isTransientKafkaError(error)) {
        throw new DeliveryTimeoutError(topic, this.settings.deliveryTimeoutMs, { cause: error });
      }
      throw error;
    } finally {
      attempt.cancelled = true;
      clearTimeout(timer);
    }
  }

  /**
   * kafkajs sometimes gives up on a transient error long before the delivery timeout (nested
   * retriers: a connection refused while reconnecting comes out as KafkaJSNonRetriableError), so
   * transient failures are retried here too until the deadline. Same records, same producer: the
   * idempotent producer's sequence numbers make a resend of a written batch a no-op.
   */
  private async sendUntil(
    topic: string,
    records: OutgoingRecord[],
    deadline: number,
    attempt: { cancelled: boolean },
  ): Promise<PlacedRecord[]> {
    let pause = this.settings.retryBackoffMs;
    let unknownSince: number | undefined;
    for (;;) {
      try {
        return await this.sendPlaced(topic, records);
      } catch (error) {
        if (kafkaErrorType(error) !== 'UNKNOWN_TOPIC_OR_PARTITION') unknownSince = undefined;
        else if (Date.now() - (unknownSince ??= Date.now()) >= UNKNOWN_TOPIC_PATIENCE_MS)
          throw new UnknownTopicError(topic, { cause: error });
        if (attempt.cancelled || !isTransientKafkaError(error) || Date.now() + pause >= deadline)
          throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
        if (attempt.cancelled) throw error;
        pause = Math.min(pause * 2, MAX_RETRY_PAUSE_MS);
      }
    }
  }

  private async sendPlaced(topic: string, records: OutgoingRecord[]): Promise<PlacedRecord[]> {
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
