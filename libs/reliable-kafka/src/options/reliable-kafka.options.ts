import type { DataSource } from 'typeorm';
import type { KafkaClientOptions } from '../kafka/port/client-options';
import type { ProcessingOptions } from './processing.options';
import type { PayloadDecoderOption } from '../decoding/payload-decoder';
import type { RetentionWindow } from '../dedup/retention-window';
import type { DeadLetterOptions } from './dead-letter.options';
import type { RetryOptions } from './retry.options';
import type { ProducerOptions } from './producer.options';
import type { MetricsOptions } from './metrics.options';

/**
 * When the offsets of processed messages are committed. Every strategy commits only offsets whose
 * messages have finished (transaction committed, or dead-lettered); they differ in how many commit
 * requests are made, and so in how many messages are redelivered (and absorbed by the dedup
 * record) after a crash.
 */
export type CommitStrategy =
  /** One commit per message: fewest redeliveries, most commit requests. */
  | { strategy: 'record' }
  /** One commit per fetched batch of a partition. */
  | { strategy: 'batch' }
  /** A commit every `everyRecords` messages or `everyMs` milliseconds, whichever comes first. */
  | { strategy: 'periodic'; everyRecords?: number; everyMs?: number };

/** Settings of the consumer group(s) the handlers run in. */
export interface ReliableKafkaConsumerOptions {
  /** Default consumer group of every handler; a handler may name its own. */
  groupId: string;
  /** Partitions processed in parallel per consumer (order is kept within each). Default 1. */
  partitionsConsumedConcurrently?: number;
  /** Kafka `session.timeout.ms`. Default 30000. */
  sessionTimeout?: number;
  /** Kafka `heartbeat.interval.ms`. Default 3000. */
  heartbeatInterval?: number;
  /** Kafka `rebalance.timeout.ms`. Default 60000. */
  rebalanceTimeout?: number;
  /** Kafka `max.partition.fetch.bytes`. Default 1 MiB. */
  maxBytesPerPartition?: number;
  /** Kafka `fetch.max.wait.ms`. Default 500. */
  maxWaitTimeInMs?: number;
}

/** Where and for how long dedup records are kept. */
export interface DedupOptions {
  /** Table holding the dedup records. Default `reliable_kafka_dedup`. */
  tableName?: string;
  /**
   * How long a processed key is remembered: `1h`, `24h`, `7d`, `forever`, a duration such as
   * `90m`, or milliseconds. A duplicate arriving after the window is processed again. Default `7d`.
   */
  retention?: RetentionWindow;
  /** How often expired records are deleted. Default 60000 ms. */
  cleanupIntervalMs?: number;
  /** Rows deleted per statement, so cleanup never holds long locks. Default 1000. */
  cleanupBatchSize?: number;
  /**
   * Create the dedup table at bootstrap when it is missing. Off by default: production schemas
   * come from migrations (see `createDedupTableMigration`).
   */
  createTable?: boolean;
}

/** Defaults applied to every handler unless the handler's own options say otherwise. */
export interface HandlerDefaults {
  retry?: RetryOptions;
  deadLetter?: DeadLetterOptions;
  decoder?: PayloadDecoderOption;
  /** Sequential (default), batch transactions, or key-level concurrency. */
  processing?: ProcessingOptions;
  /** Kafka `auto.offset.reset=earliest` for a new group. Default true: a new group misses nothing. */
  fromBeginning?: boolean;
}

/** What to do about topics missing on the broker at bootstrap. */
export interface TopicOptions {
  /**
   * Create missing handler topics at bootstrap. Off by default: a misspelt topic is a bootstrap
   * error naming it rather than a new empty topic.
   */
  create?: boolean;
  /** Partitions of created handler topics. Default 1. Dead-letter topics copy their source. */
  numPartitions?: number;
  /** Replication factor of created topics (handler and dead-letter). Default: the broker's. */
  replicationFactor?: number;
}

/** Settings of the library's producers: ReliableProducer, the outbox relay and dead-letter writes. */
export type { ProducerOptions } from './producer.options';

export interface ReliableKafkaModuleOptions {
  /**
   * The Kafka client library and its settings. kafkajs (`library: 'kafkajs'`, or no `library`):
   * its `KafkaConfig`, passed through (brokers, clientId, ssl, sasl, timeouts).
   */
  client: KafkaClientOptions;
  consumer: ReliableKafkaConsumerOptions;
  /**
   * The TypeORM data source handlers run their transactions on: the name of a data source
   * registered with `@nestjs/typeorm` (`'default'` unless given), or a DataSource instance.
   */
  dataSource?: string | DataSource;
  dedup?: DedupOptions;
  commit?: CommitStrategy;
  topics?: TopicOptions;
  producer?: ProducerOptions;
  handlerDefaults?: HandlerDefaults;
  /** Longest wait for in-flight handlers on shutdown or partition revocation. Default 30000 ms. */
  shutdownTimeoutMs?: number;
  /** Start the consumers on application bootstrap. Default true. */
  autoStart?: boolean;
  /** Prometheus metrics (prom-client). On by default, in prom-client's default registry. */
  metrics?: MetricsOptions;
}
