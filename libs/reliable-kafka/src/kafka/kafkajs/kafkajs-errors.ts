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
