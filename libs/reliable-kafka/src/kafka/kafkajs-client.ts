import { Logger } from '@nestjs/common';
import {
  type Admin,
  Kafka,
  type KafkaConfig,
  type PartitionMetadata,
  Partitioners,
  type KafkaMessage,
  type LogEntry,
  logLevel,
  type Producer,
} from 'kafkajs';
import { emptyHeaders, type KafkaMessageRecord } from './kafka-message-record';
import { DeliveryTimeoutError } from '../errors/delivery-timeout.error';
import { UnknownTopicError } from '../errors/unknown-topic.error';
import type { OutgoingRecord, RecordSender, SentRecord } from './kafka-port';

/**
 * kafkajs warns about this whenever an idempotent producer has finite retries. Its concern: once
 * retries run out, a resend of the same records by the application gets new sequence numbers, so
 * the broker cannot drop it as a duplicate. The library bounds retries on purpose (by the delivery
 * timeout, as Kafka's `delivery.timeout.ms` does; unbounded retries would keep sending a record
 * after its caller was told it failed) and keeps the guarantee it promises, which is not the
 * broker's exactly-once: within the bound, retries reuse the producer and its sequence numbers
 * (no duplicate); after it, a resend carries the same `idempotency-key` header, which consumers
 * deduplicate. So the warning says nothing the user has to act on.
 */
const BOUNDED_IDEMPOTENT_RETRIES_WARNING =
  'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/** The one place that constructs kafkajs clients. Its log lines go to Nest's Logger. */
export function createKafkaClient(config: KafkaConfig): Kafka {
  const logger = new Logger('kafkajs');
  return new Kafka({
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        if (message === BOUNDED_IDEMPOTENT_RETRIES_WARNING) return;
        const line = `${message} ${JSON.stringify(extra)}`;
        if (level === logLevel.ERROR) logger.error(line);
        else if (level === logLevel.WARN) logger.warn(line);
        else logger.debug(line);
      },
    ...config,
  });
}

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

export function toMessageRecord(
  topic: string,
  partition: number,
  message: KafkaMessage,
): KafkaMessageRecord {
  const headers = emptyHeaders<string | undefined>();
  const rawHeaders = emptyHeaders<Buffer | undefined>();
  const given = message.headers ?? {};
  // Object.keys, not Object.entries: one array per record instead of one more per header.
  for (const name of Object.keys(given)) {
    const value = given[name];
    // kafkajs gives an array when a header name repeats; the last value wins, as in Kafka's lastHeader().
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    // A header without a value (null on the wire) is kept, as undefined in both maps.
    const bytes = last == null ? undefined : Buffer.isBuffer(last) ? last : Buffer.from(last);
    rawHeaders[name] = bytes;
    headers[name] = bytes?.toString('utf8');
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
    rawHeaders,
    timestamp: message.timestamp,
  };
}

// ---------------------------------------------------------------------------------------------
// The application producer (ReliableProducer, outbox relay): configurable, per-record metadata.

/** Settings of an application producer, already validated (see producer/producer-settings.ts). */
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

/** The kafkajs error type, found on the error or any error it wraps. */
export function kafkaErrorType(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    current =
      (current as { cause?: unknown; originalError?: unknown }).cause ??
      (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}

const TRANSIENT_ERROR_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSLockTimeout',
]);

/**
 * Whether an error is worth retrying within the delivery timeout: a broker error declared
 * retriable, or a connection-level failure anywhere in the chain of wrapped errors, even when
 * an outer kafkajs error says non-retriable. A broker error declared non-retriable (record too
 * large, authorization) is never transient.
 */
export function isTransientKafkaError(error: unknown): boolean {
  let current: unknown = error;
  let transient = false;
  for (let depth = 0; current && depth < 6; depth++) {
    const e = current as {
      name?: string;
      type?: unknown;
      retriable?: unknown;
      cause?: unknown;
      originalError?: unknown;
    };
    if (typeof e.type === 'string') return e.retriable !== false; // the broker's verdict wins
    if (e.name && TRANSIENT_ERROR_NAMES.has(e.name)) transient = true;
    current = e.cause ?? e.originalError;
  }
  return transient;
}

/** Whether kafkajs (or the broker through it) declared the error not worth retrying. */
export function isKafkaNonRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown })?.retriable === false;
}
