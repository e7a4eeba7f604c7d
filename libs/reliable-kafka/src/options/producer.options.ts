import type { OutboxOptions } from './outbox.options';

/** A message handed to the producer. `value` objects are serialized as JSON unless Buffer or string. */
export interface ProducerMessage<T = unknown> {
  key?: string | Buffer | null;
  value: T;
  headers?: Record<string, string | Buffer>;
  partition?: number;
  /** Overrides the idempotency key function for this message. */
  idempotencyKey?: string;
}

/** Where a message ended once acknowledged by every in-sync replica. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset; '' only with acks 0, where the broker sends no answer. */
  offset: string;
  idempotencyKey: string;
  messageId: string;
}

/** Called with each record whose delivery failed for good (after retries, or non-retriable). */
export type ProducerFailureCallback = (failure: {
  topic: string;
  message: ProducerMessage;
  error: Error;
}) => void | Promise<void>;

/** Settings of the library's producers (`ReliableProducer`, the outbox relay, dead-letter writes). */
export interface ProducerOptions {
  /**
   * Longest time a send keeps retrying before it fails: Kafka's `delivery.timeout.ms`.
   * Default 120000 ms.
   */
  deliveryTimeoutMs?: number;
  /** Kafka `acks`. Only `'all'` (-1) is safe with idempotence; default `'all'`. */
  acks?: 'all' | -1 | 0 | 1;
  /** Kafka `enable.idempotence`. Default true. */
  idempotent?: boolean;
  /**
   * Kafka `max.in.flight.requests.per.connection`. Default 1: kafkajs's idempotent producer keeps
   * ordering only with one request in flight (Java's limit of 5 does not hold for kafkajs).
   */
  maxInFlightRequests?: number;
  /**
   * How long the broker may keep answering "unknown topic" before a send fails with
   * UnknownTopicError instead of waiting out the delivery timeout: the time a topic created a
   * moment ago (by an admin, another process) has to reach the broker's metadata. Counted from
   * the first such answer of a send. Default min(30000, deliveryTimeoutMs); at most
   * deliveryTimeoutMs. A send whose last answer at its delivery timeout was "unknown topic" fails
   * with UnknownTopicError too, so with a patience as long as the delivery timeout a mistyped topic
   * is still told apart from an outage.
   */
  unknownTopicTimeoutMs?: number;
  /** Kafka `request.timeout.ms`: the wait for one produce request. Default 30000. */
  requestTimeoutMs?: number;
  /** Kafka `retry.backoff.ms`: first pause between retries. Default 100. */
  retryBackoffMs?: number;
  /** Kafka `linger.ms`: how long messages wait to be batched with others. Default 0. */
  lingerMs?: number;
  /** Kafka `batch.size`, in messages: a batch is sent when this many wait. Default 500. */
  batchSize?: number;
  /** Idempotency key of a message when it names none; default a UUID v7. */
  idempotencyKey?: (message: ProducerMessage, topic: string) => string | undefined;
  /**
   * Final failures: a dead-letter topic (`{ deadLetterTopic }`, the record is written there with
   * its headers and the error) or a callback. The error is still reported to the caller.
   */
  fallback?: { deadLetterTopic: string } | ProducerFailureCallback;
  /** The transactional outbox and its relay. */
  outbox?: OutboxOptions;
}
