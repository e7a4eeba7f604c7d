/**
 * The part of @confluentinc/kafka-javascript's KafkaJS-style API the adapter uses, described here
 * so that neither the library's build nor its published types need the package: an app on kafkajs
 * type-checks without it installed. Shapes as in the package's types/kafkajs.d.ts (1.10).
 */

/** The package's `logLevel` values, which its `kafkaJS.logLevel` takes. */
export const ConfluentLogLevel = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 3, DEBUG: 4 } as const;
export type ConfluentLogLevel = (typeof ConfluentLogLevel)[keyof typeof ConfluentLogLevel];

/** The logger a client writes its own and librdkafka's log lines to. */
export interface ConfluentLogger {
  info(message: string, extra?: object): void;
  warn(message: string, extra?: object): void;
  error(message: string, extra?: object): void;
  debug(message: string, extra?: object): void;
  namespace(name: string): ConfluentLogger;
  setLogLevel(level: ConfluentLogLevel): void;
}

/** KafkaJS-style settings, translated by the package into librdkafka properties. */
export interface ConfluentKafkaJSConfig {
  brokers?: string[];
  clientId?: string;
  ssl?: boolean;
  sasl?: { mechanism: string; username?: string; password?: string };
  connectionTimeout?: number;
  requestTimeout?: number;
  logLevel?: ConfluentLogLevel;
  logger?: ConfluentLogger;
  acks?: -1 | 0 | 1;
  idempotent?: boolean;
  maxInFlightRequests?: number;
  allowAutoTopicCreation?: boolean;
  timeout?: number;
  // A consumer's:
  groupId?: string;
  autoCommit?: boolean;
  fromBeginning?: boolean;
  sessionTimeout?: number;
  heartbeatInterval?: number;
  rebalanceTimeout?: number;
  maxBytesPerPartition?: number;
  maxWaitTimeInMs?: number;
}

/**
 * A client's configuration: the `kafkaJS` block, and librdkafka properties beside it by their own
 * names ('message.timeout.ms', 'security.protocol', ...), which win over the block.
 */
export interface ConfluentConfig {
  kafkaJS?: ConfluentKafkaJSConfig;
  [librdkafkaProperty: string]: unknown;
}

export interface ConfluentMessage {
  key: Buffer | null;
  value: Buffer | null;
  partition?: number;
  headers?: Record<string, Buffer>;
}

/** What `send` resolves with: per partition, the lowest offset among the records sent there. */
export interface ConfluentRecordMetadata {
  topicName: string;
  partition: number;
  baseOffset?: string;
}

export interface ConfluentProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: { topic: string; messages: ConfluentMessage[] }): Promise<ConfluentRecordMetadata[]>;
}

export interface ConfluentKafka {
  producer(config?: ConfluentConfig): ConfluentProducer;
  consumer(config: ConfluentConfig): ConfluentConsumer;
  admin(config?: ConfluentConfig): ConfluentAdmin;
}

/** The package's `KafkaJS` namespace, as far as the adapter uses it. */
export interface ConfluentKafkaJS {
  Kafka: new (config: ConfluentConfig) => ConfluentKafka;
  /** librdkafka's error codes by name, as the errors' `code` carries them. */
  ErrorCodes: Readonly<Record<string, number>>;
}

/** A partition with an offset, as the consumer's and admin's calls take and give them. */
export interface ConfluentTopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** A partition as librdkafka's rebalance callback lists it; `offset` set only to start elsewhere. */
export interface ConfluentTopicPartition {
  topic: string;
  partition: number;
  offset?: number;
}

/** What `eachBatch` is given: one partition's records, assembled from the client's cache. */
export interface ConfluentEachBatchPayload {
  batch: {
    topic: string;
    partition: number;
    /** '-1001' when the client does not know it yet. */
    highWatermark: string;
    messages: ConfluentKafkaMessage[];
  };
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  /** Pauses the batch's partition; returns the function that resumes it. */
  pause(): () => void;
  isRunning(): boolean;
  isStale(): boolean;
}

export interface ConfluentKafkaMessage {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  offset: string;
  /** A header sent more than once comes as an array of its values. */
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

/** librdkafka's rebalance callback, beside `kafkaJS` in a consumer's config; awaited. */
export type ConfluentRebalanceCallback = (
  event: { code: number; message: string },
  assignment: ConfluentTopicPartition[],
) => Promise<ConfluentTopicPartition[] | void>;

export interface ConfluentConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: { topics: string[] }): Promise<void>;
  run(config: {
    eachBatch(payload: ConfluentEachBatchPayload): Promise<void>;
    eachBatchAutoResolve: boolean;
    partitionsConsumedConcurrently: number;
  }): Promise<void>;
  commitOffsets(offsets: ConfluentTopicPartitionOffset[]): Promise<void>;
  /** A committed offset of 0 comes as null (the package's conversion), none as a negative one. */
  committed(
    partitions: { topic: string; partition: number }[],
    timeoutMs?: number,
  ): Promise<{ topic: string; partition: number; offset: string | null }[]>;
  pause(topics: { topic: string; partitions: number[] }[]): (() => void) | undefined;
  resume(topics: { topic: string; partitions: number[] }[]): void;
  /** 'EAGER' (every partition revoked, then all assigned) or 'COOPERATIVE' (incremental). */
  rebalanceProtocol(): string;
  /** The binding's consumer under the KafkaJS-style layer; set once connected. */
  _getInternalClient(): ConfluentInternalConsumer | undefined;
}

/** The binding's consumer: librdkafka's errors, the fatal ones among them, come as events. */
export interface ConfluentInternalConsumer {
  on(event: 'event.error', listener: (error: ConfluentClientError) => void): unknown;
}

/** A librdkafka error as the binding gives it. */
export interface ConfluentClientError extends Error {
  code?: number;
  /** The client cannot go on (a fenced static member, a fatal consumer-protocol error). */
  isFatal?: boolean;
}

export interface ConfluentAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(options?: { timeout?: number }): Promise<string[]>;
  createTopics(options: {
    topics: { topic: string; numPartitions: number; replicationFactor: number }[];
    timeout?: number;
  }): Promise<boolean>;
  fetchTopicMetadata(options: {
    topics: string[];
    timeout?: number;
  }): Promise<{ name: string; partitions: { partitionId: number; leader: number }[] }[]>;
  fetchOffsets(options: {
    groupId: string;
    topics: string[];
    timeout?: number;
  }): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}
