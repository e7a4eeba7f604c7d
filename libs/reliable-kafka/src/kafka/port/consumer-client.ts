import type { KafkaMessageRecord } from '../kafka-message-record';

/** Partitions by topic, as a group member owns them. */
export type Assignment = Record<string, number[]>;

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  /** The offset of the next record to read, as Kafka commits it. */
  offset: string;
}

/** A consumer group member's settings, with the library's defaults applied. */
export interface ConsumerSettings {
  /** Kafka `session.timeout.ms`. */
  sessionTimeoutMs: number;
  /** Kafka `heartbeat.interval.ms`. */
  heartbeatIntervalMs: number;
  /** Kafka `rebalance.timeout.ms`. */
  rebalanceTimeoutMs: number;
  /** Kafka `max.partition.fetch.bytes`. */
  maxBytesPerPartition: number;
  /** Kafka `fetch.max.wait.ms`. */
  maxWaitTimeMs: number;
  /** Partitions whose batches are handled at the same time, each in its own order. */
  partitionsConsumedConcurrently: number;
  /**
   * The most records of one partition the library works on at once (one batch transaction, or
   * records of different keys in flight together). A client that assembles batches itself should
   * assemble at least this many; batches of any size are correct, smaller ones are only slower.
   */
  maxBatchRecords: number;
}

export interface Subscription {
  topic: string;
  /** Where a group without a committed offset starts: the first record, or the next one written. */
  fromBeginning: boolean;
}

/**
 * Records of one partition, fetched together. Nothing is committed by the client: the library
 * commits explicit offsets (`ConsumerClient.commit`) once their records have finished.
 */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  /** In offset order, already in the library's form. */
  readonly records: KafkaMessageRecord[];
  /** The partition's end (the offset the next written record gets), for the lag. */
  readonly highWatermark: string;
  /**
   * False once this batch should not be worked on further: the consumer is stopping, or the
   * partition may have changed hands (a rebalance, a seek).
   */
  isActive(): boolean;
  /**
   * Every record up to `offset` is done. When the batch handler returns, the partition goes on
   * from the record after the last resolved one: records not resolved are fetched again (the
   * client seeks back to them if its fetch position went past them).
   */
  resolveOffset(offset: string): void;
  /**
   * Tells the group this member is alive during a long batch, where the client needs to be told
   * (a client that heartbeats by itself resolves at once). Fails when the group is rebalancing:
   * the partition may be taken away, so what has finished should be committed now.
   */
  heartbeat(): Promise<void>;
  /**
   * Stops fetching this partition (other partitions go on) until the returned function resumes
   * it. Records not resolved are fetched again after the resume.
   */
  pause(): () => void;
}

/** What a consumer client tells the library. Called by the client, never concurrently per partition. */
export interface ConsumerListener {
  /** One batch of one partition; batches of different partitions may run at the same time. */
  eachBatch(batch: PartitionBatch): Promise<void>;
  /**
   * The group has (re)assigned partitions: `assignment` is everything this member owns now.
   * Without `keptGoOn` (an eager rebalance), the library reads each of them again from its
   * committed offset (what finished uncommitted is forgotten), so the client must fetch kept
   * partitions from there too. With `keptGoOn` (an incremental rebalance), the partitions this
   * member kept go on where they are, their progress kept; only new ones start from the commit.
   */
  assigned(assignment: Assignment, durationMs?: number, keptGoOn?: boolean): void;
  /**
   * These partitions are about to be taken away: the last moment to commit what has finished.
   * Called by clients that say so before a rebalance; others only report the next assignment.
   */
  revoking(partitions: Assignment): Promise<void>;
  /** The client failed; `restarting` when it reconnects and rejoins by itself. */
  crashed(error: Error, restarting: boolean): void;
  /** The client no longer fetches (stopped, or disconnected). */
  stopped(): void;
}

/** One member of one consumer group, as the library drives it. */
export interface ConsumerClient {
  /** Connects, subscribes and starts fetching; the listener hears everything from then on. */
  start(subscriptions: Subscription[], listener: ConsumerListener): Promise<void>;
  /** Commits these offsets for the group (each the next offset to read), as given. */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  /** Stops fetching; resolves once the batches in hand have returned. Still a group member. */
  stop(): Promise<void>;
  /** Leaves the group and closes the connections. */
  disconnect(): Promise<void>;
}
