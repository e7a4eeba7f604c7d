import { ReliableKafkaConfigurationError } from '../../errors/configuration.error';
import { UnknownPartitionError } from '../../errors/unknown-partition.error';
import type {
  OutgoingRecord,
  ProducerClient,
  ProducerClientSettings,
  RecordOutcome,
} from '../kafka-port';
import type {
  ConfluentAdmin,
  ConfluentKafka,
  ConfluentMessage,
  ConfluentProducer,
} from './confluent-api';
import {
  isTransientConfluentError,
  isUnknownTopicConfluentError,
  LibrdkafkaErrorCode,
  librdkafkaErrorCode,
} from './confluent-errors';
import { toConfluentMessage } from './confluent-message';

/** librdkafka keeps the order of an idempotent producer's records with up to 5 requests in flight. */
export const MAX_IDEMPOTENT_IN_FLIGHT = 5;

/** Longest pause between two of librdkafka's retries of one record. */
const MAX_RETRY_PAUSE_MS = 1_000;

/**
 * How long librdkafka waits for a topic it does not know to appear before it fails the records
 * as "unknown topic" (its default is 30 s). Kept short: the delivery deadline has its own
 * patience for a topic created a moment ago (producer.unknownTopicTimeoutMs), which would
 * otherwise start only after librdkafka's wait.
 */
const UNKNOWN_TOPIC_WAIT_MS = 1_000;

/** How old librdkafka's partition list of a topic may get (kafkajs's adapter reads it as often). */
const PARTITION_LIST_MAX_AGE_MS = 30_000;

/**
 * A Confluent (librdkafka) producer configured from the producer settings: acks and idempotence
 * as set (all, on, by default), and librdkafka retrying each record until the delivery timeout.
 * librdkafka's retries resend a batch with its sequence numbers, so the broker drops what it
 * already has; a retry by the delivery deadline sends the records anew. So librdkafka's
 * `message.timeout.ms` is the delivery timeout itself: its retries cover the whole budget, and a
 * record is not kept queued past it, to be written after the caller was told it failed.
 */
export class ConfluentProducerClient implements ProducerClient {
  private readonly producer: ConfluentProducer;
  /** Asks the broker about a partition librdkafka refused; connected on first need. */
  private admin?: Promise<ConfluentAdmin>;

  constructor(
    private readonly kafka: ConfluentKafka,
    settings: ProducerClientSettings,
  ) {
    if (settings.idempotent && settings.maxInFlightRequests > MAX_IDEMPOTENT_IN_FLIGHT) {
      throw new ReliableKafkaConfigurationError(
        'producer.maxInFlightRequests',
        `${settings.maxInFlightRequests} is above ${MAX_IDEMPOTENT_IN_FLIGHT}, the most librdkafka's idempotent producer keeps in order`,
      );
    }
    const retryBackoffMs = Math.max(1, settings.retryBackoffMs); // librdkafka's minimum
    this.producer = kafka.producer({
      kafkaJS: {
        acks: settings.acks,
        idempotent: settings.idempotent,
        maxInFlightRequests: settings.maxInFlightRequests,
        allowAutoTopicCreation: false,
        timeout: settings.requestTimeoutMs,
      },
      'message.timeout.ms': settings.deliveryTimeoutMs,
      // The KafkaJS-style layer sets 5; the delivery timeout is the bound instead.
      retries: 2_147_483_647,
      'retry.backoff.ms': retryBackoffMs,
      'retry.backoff.max.ms': Math.max(retryBackoffMs, MAX_RETRY_PAUSE_MS),
      'topic.metadata.propagation.max.ms': UNKNOWN_TOPIC_WAIT_MS,
      // librdkafka reads a topic's partitions again only at this interval (its default: 5 min):
      // a partition added meanwhile is refused as unknown until then (see unknownPartition).
      'topic.metadata.refresh.interval.ms': PARTITION_LIST_MAX_AGE_MS,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async disconnect(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await Promise.allSettled([
      this.producer.disconnect(),
      admin?.then((connected) => connected.disconnect()),
    ]);
  }

  /**
   * A partition the broker lists but librdkafka does not know yet is transient: librdkafka reads
   * the topic again within PARTITION_LIST_MAX_AGE_MS, and the record was not written.
   */
  isTransient(error: unknown): boolean {
    if (error instanceof UnknownPartitionError) return error.reason === 'not-known-to-client';
    return isTransientConfluentError(error);
  }

  isUnknownTopic(error: unknown): boolean {
    return isUnknownTopicConfluentError(error);
  }

  /**
   * One attempt (librdkafka's own retries included): one outcome per record, once every record
   * has its outcome (so that a retry never races records still in flight), each acknowledged with
   * its partition and offset or failed with the client's error as is.
   *
   * One send per record, all started before any is awaited: librdkafka queues them in this order
   * and batches them as it would one send, and each answers with its own record's offset. A send
   * of several records answers only the lowest offset per partition, and counting up from it is
   * wrong when another send's records to that partition are batched in between.
   */
  async sendOnce(topic: string, records: OutgoingRecord[]): Promise<RecordOutcome[]> {
    // Every record converted before any is sent: one that cannot be sent fails the attempt whole.
    const messages = records.map((record) => toConfluentMessage(topic, record));
    const outcomes = await Promise.allSettled(
      messages.map((message) => this.producer.send({ topic, messages: [message] })),
    );
    const refused = outcomes.some(
      (o) =>
        o.status === 'rejected' &&
        librdkafkaErrorCode(o.reason) === LibrdkafkaErrorCode.ERR__UNKNOWN_PARTITION,
    );
    const listed = refused ? await this.partitionsListed(topic) : undefined;
    return outcomes.map((outcome, index): RecordOutcome => {
      if (outcome.status === 'rejected')
        return {
          status: 'failed',
          error: asLibraryError(topic, messages[index], outcome.reason, listed),
        };
      const [{ partition, baseOffset = '' }] = outcome.value;
      // acks=0 gives no offset (librdkafka reports a negative one).
      const offset = baseOffset.startsWith('-') ? '' : baseOffset;
      return { status: 'sent', sent: { topic, partition, offset } };
    });
  }

  /** The partitions the broker lists for the topic now; undefined when it could not be asked. */
  private async partitionsListed(topic: string): Promise<Set<number> | undefined> {
    try {
      this.admin ??= (async () => {
        const admin = this.kafka.admin();
        await admin.connect();
        return admin;
      })();
      const admin = await this.admin;
      const [found] = await admin.fetchTopicMetadata({ topics: [topic], timeout: 5_000 });
      return new Set(found?.partitions.map((p) => p.partitionId));
    } catch {
      this.admin = undefined;
      return undefined;
    }
  }
}

/**
 * A partition librdkafka refused at once as unknown is the library's UnknownPartitionError, as
 * with kafkajs, and fails that record alone: `not-known-to-client` when the broker lists it (added
 * after librdkafka read the topic), else `not-in-topic`, as when the broker could not be asked.
 */
function asLibraryError(
  topic: string,
  message: ConfluentMessage,
  error: unknown,
  listed: Set<number> | undefined,
): unknown {
  if (librdkafkaErrorCode(error) !== LibrdkafkaErrorCode.ERR__UNKNOWN_PARTITION) return error;
  const partition = message.partition ?? -1;
  const reason = listed?.has(partition) ? 'not-known-to-client' : 'not-in-topic';
  return new UnknownPartitionError(topic, partition, { cause: error, reason });
}
