import { IDEMPOTENCY_KEY_HEADER } from '../reliable-kafka.constants';
import { MissingIdempotencyKeyError } from '../errors/non-retriable.error';
import type { KafkaMessageRecord } from '../consumer/kafka-message-record';

/** What a key function sees: the record and its decoded payload. */
export interface IdempotencyKeySource<TPayload = unknown> extends KafkaMessageRecord {
  payload: TPayload;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type IdempotencyKeyFn<TPayload = any> = (
  message: IdempotencyKeySource<TPayload>,
) => string | number | null | undefined;

export interface IdempotentOptions {
  /** The key of a message. A message for which it returns nothing is dead-lettered. */
  key?: IdempotencyKeyFn;
  /** Header holding the key when there is no function. Default `idempotency-key`. */
  header?: string;
  /**
   * Require the header (no fallback to `topic/partition/offset`, which only absorbs redeliveries of
   * one record, not a producer's resends). Default false.
   */
  required?: boolean;
}

/** Longest key stored; longer keys are rejected rather than silently truncated. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export function extractIdempotencyKey(
  source: IdempotencyKeySource,
  options: IdempotentOptions,
  handlerId: string,
): string {
  let key: string | undefined;
  if (options.key) {
    const value = options.key(source);
    key = value === null || value === undefined || value === '' ? undefined : String(value);
    if (key === undefined) {
      throw new MissingIdempotencyKeyError(
        `Handler ${handlerId}: its @Idempotent key function returned no key for ${describe(source)}`,
      );
    }
  } else {
    const header = options.header ?? IDEMPOTENCY_KEY_HEADER;
    key = source.headers[header] || undefined;
    if (key === undefined) {
      if (options.required) {
        throw new MissingIdempotencyKeyError(
          `Handler ${handlerId}: message ${describe(source)} has no "${header}" header`,
        );
      }
      key = `${source.topic}/${source.partition}/${source.offset}`;
    }
  }
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new MissingIdempotencyKeyError(
      `Handler ${handlerId}: idempotency key of ${describe(source)} is ${key.length} characters, more than ${MAX_IDEMPOTENCY_KEY_LENGTH}`,
    );
  }
  return key;
}

function describe(source: KafkaMessageRecord): string {
  return `${source.topic}[${source.partition}]@${source.offset}`;
}
