import type { ProducerErrorKind } from '../port/producer-client';

// What @confluentinc/kafka-javascript's errors mean to the library. Its KafkaJS-style errors carry
// librdkafka's error code in `code` (its `retriable` flag is set for transactional calls only), and
// a record librdkafka refuses at once comes as the binding's own error, with the same codes: so the
// code decides, read from the error or any error it wraps.

/**
 * librdkafka's error codes (rdkafka.h; the package exports them as `KafkaJS.ErrorCodes`):
 * negative codes are the client's own, positive ones the broker's.
 */
export const LibrdkafkaErrorCode = {
  ERR__TRANSPORT: -195,
  ERR__RESOLVE: -193,
  ERR__MSG_TIMED_OUT: -192,
  ERR__UNKNOWN_PARTITION: -190,
  ERR__UNKNOWN_TOPIC: -188,
  ERR__ALL_BROKERS_DOWN: -187,
  ERR__TIMED_OUT: -185,
  ERR__QUEUE_FULL: -184,
  ERR__ISR_INSUFF: -183,
  ERR__NODE_UPDATE: -182,
  ERR__REVOKE_PARTITIONS: -174,
  ERR__ASSIGN_PARTITIONS: -175,
  ERR__TIMED_OUT_QUEUE: -166,
  ERR__RETRY: -153,
  ERR__FATAL: -150,
  ERR_UNKNOWN_TOPIC_OR_PART: 3,
  ERR_LEADER_NOT_AVAILABLE: 5,
  ERR_NOT_LEADER_FOR_PARTITION: 6,
  ERR_REQUEST_TIMED_OUT: 7,
  ERR_MSG_SIZE_TOO_LARGE: 10,
  ERR_NETWORK_EXCEPTION: 13,
  ERR_RECORD_LIST_TOO_LARGE: 18,
  ERR_NOT_ENOUGH_REPLICAS: 19,
  ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  ERR_TOPIC_AUTHORIZATION_FAILED: 29,
  ERR_KAFKA_STORAGE_ERROR: 56,
  ERR_FENCED_LEADER_EPOCH: 74,
  ERR_UNKNOWN_LEADER_EPOCH: 75,
  ERR_THROTTLING_QUOTA_EXCEEDED: 89,
} as const;

const C = LibrdkafkaErrorCode;

/**
 * Worth another attempt within the delivery timeout: the client could not reach a broker or got
 * no answer in time, or the broker answered with an error Kafka declares retriable for a produce
 * (a leader moving, too few in-sync replicas for the moment, a full local queue). A topic that
 * does not exist is among them: the delivery deadline gives it a short patience of its own, for a
 * topic created an instant ago. Anything else (a record too large, an unknown partition, no
 * authorization, a fatal idempotent-producer error) cannot succeed by trying again.
 */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  C.ERR__TRANSPORT,
  C.ERR__RESOLVE,
  C.ERR__MSG_TIMED_OUT,
  C.ERR__ALL_BROKERS_DOWN,
  C.ERR__TIMED_OUT,
  C.ERR__QUEUE_FULL,
  C.ERR__ISR_INSUFF,
  C.ERR__NODE_UPDATE,
  C.ERR__TIMED_OUT_QUEUE,
  C.ERR__RETRY,
  C.ERR__UNKNOWN_TOPIC,
  C.ERR_UNKNOWN_TOPIC_OR_PART,
  C.ERR_LEADER_NOT_AVAILABLE,
  C.ERR_NOT_LEADER_FOR_PARTITION,
  C.ERR_REQUEST_TIMED_OUT,
  C.ERR_NETWORK_EXCEPTION,
  C.ERR_NOT_ENOUGH_REPLICAS,
  C.ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  C.ERR_KAFKA_STORAGE_ERROR,
  C.ERR_FENCED_LEADER_EPOCH,
  C.ERR_UNKNOWN_LEADER_EPOCH,
  C.ERR_THROTTLING_QUOTA_EXCEEDED,
]);

/** The librdkafka error code on the error or on an error it wraps; undefined when none has one. */
export function librdkafkaErrorCode(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isTransientConfluentError(error: unknown): boolean {
  const code = librdkafkaErrorCode(error);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/**
 * The topic does not exist: the broker said so (the first attempt, once librdkafka's metadata
 * wait is over), or librdkafka remembers it did and refuses the record at once (later attempts).
 */
export function isUnknownTopicConfluentError(error: unknown): boolean {
  const code = librdkafkaErrorCode(error);
  return code === C.ERR_UNKNOWN_TOPIC_OR_PART || code === C.ERR__UNKNOWN_TOPIC;
}

/**
 * What a Confluent send failure means to the producer (see ProducerErrorKind): by librdkafka's
 * code, since the errors' `retriable` flag is not set outside transactions.
 */
export function confluentProducerErrorKind(error: unknown): ProducerErrorKind | undefined {
  const code = librdkafkaErrorCode(error);
  if (code === undefined) return undefined;
  if (code === C.ERR_MSG_SIZE_TOO_LARGE || code === C.ERR_RECORD_LIST_TOO_LARGE) return 'too-large';
  return TRANSIENT_CODES.has(code) ? 'transient' : 'fatal';
}
