import { ReliableKafkaError } from './reliable-kafka.error';

/**
 * Throw this (or a subclass) from a handler when retrying cannot help: the message goes to the
 * dead-letter topic at once. Equivalent to Spring Kafka's "not retryable" exceptions.
 */
export class NonRetriableError extends ReliableKafkaError {
  readonly code: string = 'RK_NON_RETRIABLE';
}

/** Throw this (or a subclass) to force a retry even when a classifier would say otherwise. */
export class RetriableError extends ReliableKafkaError {
  readonly code: string = 'RK_RETRIABLE';
}

/** The payload bytes could not be decoded: a poison message, sent to the dead-letter topic as is. */
export class PayloadDecodeError extends NonRetriableError {
  override readonly code = 'RK_PAYLOAD_DECODE';
}

/** The handler requires an idempotency key and the message carries none. */
export class MissingIdempotencyKeyError extends NonRetriableError {
  override readonly code = 'RK_MISSING_IDEMPOTENCY_KEY';
}
