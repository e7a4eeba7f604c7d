import type { ProducerErrorKind } from '../port/producer-client';
// What kafkajs errors mean to the library: their broker type, and whether a retry can help.

/** The kafkajs error type, found on the error or any error it wraps. */
export function kafkaErrorType(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    current =
      (current as { cause?: unknown; originalError?: unknown }).cause ??
      (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}

const TRANSIENT_ERROR_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSLockTimeout',
]);

/**
 * Whether an error is worth retrying within the delivery timeout: a broker error declared
 * retriable, or a connection-level failure anywhere in the chain of wrapped errors, even when
 * an outer kafkajs error says non-retriable. A broker error declared non-retriable (record too
 * large, authorization) is never transient.
 */
export function isTransientKafkaError(error: unknown): boolean {
  let current: unknown = error;
  let transient = false;
  for (let depth = 0; current && depth < 6; depth++) {
    const e = current as {
      name?: string;
      type?: unknown;
      retriable?: unknown;
      cause?: unknown;
      originalError?: unknown;
    };
    if (typeof e.type === 'string') return e.retriable !== false; // the broker's verdict wins
    if (e.name && TRANSIENT_ERROR_NAMES.has(e.name)) transient = true;
    current = e.cause ?? e.originalError;
  }
  return transient;
}

/** Whether kafkajs (or the broker through it) declared the error not worth retrying. */
export function isKafkaNonRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown })?.retriable === false;
}

/** Socket error codes of a network that did not carry the connection (refused, reset, no route, no name). */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Whether an error says no connection to a broker could be made or kept: refused, closed, timed
 * out while connecting, a name that does not resolve, bare or wrapped by kafkajs's retriers
 * (KafkaJSNumberOfRetriesExceeded, KafkaJSNonRetriableError). Not a broker's answer (it was
 * reached), an authentication failure, a connection error of another kind (a TLS certificate
 * refused: a setting), a request timeout on an open connection, or anything else.
 */
export function isConnectionFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    const e = current as {
      name?: string;
      code?: unknown;
      cause?: unknown;
      originalError?: unknown;
    };
    if (e.name === 'KafkaJSConnectionError' || e.name === 'KafkaJSConnectionClosedError')
      return e.code === undefined || NETWORK_ERROR_CODES.has(String(e.code));
    current = e.cause ?? e.originalError;
  }
  return false;
}

/** What a kafkajs send failure means to the producer (see ProducerErrorKind). */
export function kafkajsProducerErrorKind(error: unknown): ProducerErrorKind | undefined {
  const type = kafkaErrorType(error);
  if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return 'too-large';
  if (isTransientKafkaError(error)) return 'transient';
  if (isKafkaNonRetriable(error)) return 'fatal';
  return undefined;
}
