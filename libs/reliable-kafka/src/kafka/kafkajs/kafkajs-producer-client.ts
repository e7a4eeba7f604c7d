import { type Admin, type Kafka, type PartitionMetadata, Partitioners } from 'kafkajs';
import { UnknownPartitionError } from '../../errors/unknown-partition.error';
import type {
  OutgoingRecord,
  ProducerClient,
  ProducerClientSettings,
  RecordOutcome,
} from '../kafka-port';
import { isTransientKafkaError, kafkaErrorType } from './kafkajs-errors';
import { placeInResponse } from './kafkajs-produce-response';
import { KafkajsProducerSession } from './kafkajs-producer-session';

/** Longest pause between two of kafkajs's retries of one send. */
const MAX_RETRY_PAUSE_MS = 1_000;

/**
 * Age at which a topic's partition list is read again, both the one the records are partitioned
 * by and kafkajs's own, which decides what it sends. The two are read on different clocks (the
 * list here when it is older than this or lacks a partition a record names, kafkajs's at its own
 * metadata refresh), so kafkajs's may be older: it then silently leaves out a partition its list
 * lacks, and the record is sent again until kafkajs has read the topic again, at most this long
 * after its last read (its default, 5 min, would leave most delivery timeouts short of it).
 */
const PARTITION_LIST_MAX_AGE_MS = 30_000;

/**
 * A kafkajs producer configured from the producer settings, choosing each record's partition
 * itself (kafkajs's default, Java-compatible partitioner) so every record's offset is known: a
 * produce response gives only the base offset of each partition's batch. The producer is renewed
 * after a failed send (kafkajs-producer-session.ts), so its sequence numbers stay true.
 */
export class KafkajsProducerClient implements ProducerClient {
  private readonly producer: KafkajsProducerSession;
  private readonly admin: Admin;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly partitions = new Map<string, { at: number; metadata: PartitionMetadata[] }>();

  constructor(
    kafka: Kafka,
    private readonly settings: ProducerClientSettings,
  ) {
    const pause = Math.max(settings.retryBackoffMs, MAX_RETRY_PAUSE_MS);
    this.producer = new KafkajsProducerSession(
      () =>
        kafka.producer({
          idempotent: settings.idempotent,
          maxInFlightRequests: settings.maxInFlightRequests,
          allowAutoTopicCreation: false,
          metadataMaxAge: PARTITION_LIST_MAX_AGE_MS,
          createPartitioner: Partitioners.DefaultPartitioner,
          retry: {
            initialRetryTime: settings.retryBackoffMs,
            maxRetryTime: pause,
            retries: Math.max(1, Math.ceil(settings.deliveryTimeoutMs / pause)),
          },
        }),
      settings.idempotent,
    );
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
   * A partition the broker lists but kafkajs left out (its metadata older) is transient: kafkajs
   * reads its metadata again within PARTITION_LIST_MAX_AGE_MS, and the record was not written.
   */
  isTransient(error: unknown): boolean {
    if (error instanceof UnknownPartitionError) return error.reason === 'not-known-to-client';
    return isTransientKafkaError(error);
  }

  isUnknownTopic(error: unknown): boolean {
    return kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION';
  }

  /**
   * One attempt (kafkajs's own retries included): one outcome per record, each acknowledged with
   * its partition and offset or failed with UnknownPartitionError (its partition not written), or
   * fails as a whole with the kafkajs error as is. A record naming a partition the broker does not
   * list is left out of the request and fails alone: the other records are sent.
   */
  async sendOnce(topic: string, records: OutgoingRecord[]): Promise<RecordOutcome[]> {
    // Asked even when every record has its partition: the metadata answer is what says the topic
    // does not exist, without kafkajs's own long retries.
    const metadata = await this.partitionMetadata(topic, records);
    const outcomes: RecordOutcome[] = [];
    const placed: { index: number; record: OutgoingRecord & { partition: number } }[] = [];
    records.forEach((record, index) => {
      const named = record.partition;
      if (named !== undefined && !metadata.some((p) => p.partitionId === named)) {
        const error = new UnknownPartitionError(topic, named, { reason: 'not-in-topic' });
        outcomes[index] = { status: 'failed', error };
        return;
      }
      const partition =
        named ??
        this.partitioner({
          topic,
          partitionMetadata: metadata,
          message: { key: record.key, value: record.value },
        });
      placed.push({ index, record: { ...record, partition } });
    });
    if (placed.length === 0) return outcomes;
    const response = await this.producer.send({
      topic,
      acks: this.settings.acks,
      timeout: this.settings.requestTimeoutMs,
      messages: placed.map((p) => p.record),
    });
    const answered = placeInResponse(
      topic,
      placed.map((p) => p.record.partition),
      response,
      this.settings.acks,
    );
    answered.forEach((outcome, j) => (outcomes[placed[j].index] = outcome));
    return outcomes;
  }

  /**
   * Partition list of a topic, read again at PARTITION_LIST_MAX_AGE_MS so added partitions are
   * used, and at once when a record names a partition the cached list lacks (one added a moment
   * ago): a partition the broker does not list either is not in the topic.
   */
  private async partitionMetadata(
    topic: string,
    records: OutgoingRecord[],
  ): Promise<PartitionMetadata[]> {
    const named = records.flatMap((r) => r.partition ?? []);
    const lacksOne = (metadata: PartitionMetadata[]) =>
      named.some((partition) => !metadata.some((p) => p.partitionId === partition));
    const cached = this.partitions.get(topic);
    if (cached && Date.now() - cached.at < PARTITION_LIST_MAX_AGE_MS && !lacksOne(cached.metadata))
      return cached.metadata;
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const metadata = topics[0]?.partitions ?? [];
    this.partitions.set(topic, { at: Date.now(), metadata });
    return metadata;
  }
}
