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
}

/** The package's `KafkaJS` namespace, as far as the adapter uses it. */
export interface ConfluentKafkaJS {
  Kafka: new (config: ConfluentConfig) => ConfluentKafka;
  /** librdkafka's error codes by name, as the errors' `code` carries them. */
  ErrorCodes: Readonly<Record<string, number>>;
}
