import { ReliableKafkaError } from './reliable-kafka.error';

/**
 * Throw this (or a subclass) from a handler when retrying cannot help: the message goes to the
 * dead-letter topic at once. Equivalent to Spring Kafka's "not retryable" exceptions.
 */
export class NonRetriableError extends ReliableKafkaError {
  readonly code: string = 'RK_NON_RETRIABLE';
}

/**
 * The record itself cannot be handled as it is (its payload, its origin headers, its key): every
 * delivery of it fails alike. It is dead-lettered at once, whatever the app's `retry.classify` or
 * `retry.retriable` say, since retrying it, on a retry topic or in place, cannot help and a move
 * to a retry topic may not even be possible (a malformed origin). Subclasses name what is wrong.
 */
export class MalformedRecordError extends NonRetriableError {
  override readonly code: string = 'RK_MALFORMED_RECORD';
}

/** The payload bytes could not be decoded: a poison message, sent to the dead-letter topic as is. */
export class PayloadDecodeError extends MalformedRecordError {
  override readonly code = 'RK_PAYLOAD_DECODE';
}

/**
 * The `retry-original-*` headers of a record, which say where it first arrived, are not in the form
 * the library writes them (a partition `abc`, an offset `01`, a topic name Kafka refuses, one of
 * the three missing). Keying or reporting it by a guess could give two records one key, so it is
 * dead-lettered, reported where it is; the message names the header, never its value.
 */
export class MalformedRecordOriginError extends MalformedRecordError {
  override readonly code = 'RK_MALFORMED_RECORD_ORIGIN';
}

/** The handler requires an idempotency key and the message carries none. */
export class MissingIdempotencyKeyError extends MalformedRecordError {
  override readonly code = 'RK_MISSING_IDEMPOTENCY_KEY';
}

/**
 * An `@Idempotent` key function threw, or returned what cannot be a key without colliding with
 * another record's (an object, an array, a boolean, a number that is not a safe integer). The key
 * function is a pure function of the record, so retrying cannot help: the record is dead-lettered
 * at once. A thrown error is the `cause`; the message names the handler and never quotes the record.
 */
export class IdempotencyKeyFunctionError extends MalformedRecordError {
  override readonly code = 'RK_IDEMPOTENCY_KEY_FUNCTION';
}
