import { IDEMPOTENCY_KEY_HEADER } from '../reliable-kafka.constants';
import { MissingIdempotencyKeyError } from '../errors/non-retriable.error';
import type { KafkaMessageRecord } from '../consumer/kafka-message-record';
import { originOf } from '../failure/retry-topics';

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

/**
 * The key of a record. Its default (no function, no header) is the coordinates where the record
 * first arrived, so a record moved to a retry topic keeps its key.
 */
export function extractIdempotencyKey(
  record: KafkaMessageRecord,
  payload: unknown,
  options: IdempotentOptions,
  handlerId: string,
): string {
  const origin = originOf(record);
  let key: string | undefined;
  if (options.key) {
    // Only a key function sees the copy with the payload: the header path runs per record and copies nothing.
    const value = options.key({ ...record, ...origin, payload });
    key = value === null || value === undefined || value === '' ? undefined : String(value);
    if (key === undefined) {
      throw new MissingIdempotencyKeyError(
        `Handler ${handlerId}: its @Idempotent key function returned no key for ${describe(origin)}`,
      );
    }
  } else {
    const header = options.header ?? IDEMPOTENCY_KEY_HEADER;
    key = record.headers[header] || undefined;
    if (key === undefined) {
      if (options.required) {
        throw new MissingIdempotencyKeyError(
          `Handler ${handlerId}: message ${describe(origin)} has no "${header}" header`,
        );
      }
      key = `${origin.topic}/${origin.partition}/${origin.offset}`;
    }
  }
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new MissingIdempotencyKeyError(
      `Handler ${handlerId}: idempotency key of ${describe(origin)} is ${key.length} characters, more than ${MAX_IDEMPOTENCY_KEY_LENGTH}`,
    );
  }
  return key;
}

function describe(at: Pick<KafkaMessageRecord, 'topic' | 'partition' | 'offset'>): string {
  return `${at.topic}[${at.partition}]@${at.offset}`;
}
