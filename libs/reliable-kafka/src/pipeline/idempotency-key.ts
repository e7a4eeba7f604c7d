import { IDEMPOTENCY_KEY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH } from '../reliable-kafka.constants';
import {
  IdempotencyKeyFunctionError,
  MissingIdempotencyKeyError,
} from '../errors/non-retriable.error';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import { decodeHeaderStrictly, decodeUtf8Strictly } from '../decoding/strict-utf8';
import { hasUtf8Form } from '../errors/utf8-form';
import { safeText } from '../errors/safe-text';
import { thrownName } from '../errors/thrown-value';
import { originOf, type RecordOrigin, reportedOriginOf } from '../kafka/record-origin';

/** What a key function sees: the record and its decoded payload. */
export interface IdempotencyKeySource<TPayload = unknown> extends KafkaMessageRecord {
  payload: TPayload;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type IdempotencyKeyFn<TPayload = any> = (
  message: IdempotencyKeySource<TPayload>,
) => string | number | bigint | Buffer | null | undefined;

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

export { MAX_IDEMPOTENCY_KEY_LENGTH };

/**
 * The key of a record. Its default (no function, no header) is the coordinates where the record
 * first arrived, so a record moved to a retry topic keeps its key. The origin headers are read
 * strictly (MalformedRecordOriginError) only where the key depends on them: the coordinates key
 * and the key function's view of the record. A key from the key header does not: a forwarded or
 * mirrored record may carry stray retry-original-* headers, which then say nothing, and the
 * record is described where it is read.
 */
export function extractIdempotencyKey(
  record: KafkaMessageRecord,
  payload: unknown,
  options: IdempotentOptions,
  handlerId: string,
): string {
  let key: string | undefined;
  let at: RecordOrigin;
  if (options.key) {
    at = originOf(record);
    // Only a key function sees the copy with the payload: the header path runs per record and copies nothing.
    key = keyFromFunction(options.key, { ...record, ...at, payload }, handlerId, at);
    if (key === undefined) {
      throw new MissingIdempotencyKeyError(
        `Handler ${handlerId}: its @Idempotent key function returned no key for ${describe(at)}`,
      );
    }
  } else {
    const header = options.header ?? IDEMPOTENCY_KEY_HEADER;
    key = decodeHeaderStrictly(record, header) || undefined;
    if (key === undefined) {
      if (options.required) {
        throw new MissingIdempotencyKeyError(
          `Handler ${handlerId}: message ${describe(reportedOriginOf(record))} has no "${header}" header`,
        );
      }
      at = originOf(record);
      key = `${at.topic}/${at.partition}/${at.offset}`;
    } else {
      at = reportedOriginOf(record);
    }
  }
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new MissingIdempotencyKeyError(
      `Handler ${handlerId}: idempotency key of ${describe(at)} is ${key.length} characters, more than ${MAX_IDEMPOTENCY_KEY_LENGTH}`,
    );
  }
  if (key.includes('\u0000')) {
    // PostgreSQL cannot store a NUL in text; every dialect rejects it alike, before any attempt.
    throw new MissingIdempotencyKeyError(
      `Handler ${handlerId}: idempotency key of ${describe(at)} contains a NUL character`,
    );
  }
  return key;
}

/**
 * Calls the key function and turns what it returns into the key, or undefined for none. Only
 * values whose text is theirs alone are keys: `String()` would give every object the key
 * `[object Object]`, `[1, 2]` and `'1,2'` one key, and a number past 2^53 (rounded by JSON.parse)
 * the key of its neighbour. A Buffer (the record key, `m.key`) is decoded strictly as UTF-8.
 */
function keyFromFunction(
  keyFn: IdempotencyKeyFn,
  source: IdempotencyKeySource,
  handlerId: string,
  at: Pick<KafkaMessageRecord, 'topic' | 'partition' | 'offset'>,
): string | undefined {
  let value: unknown;
  try {
    value = keyFn(source);
  } catch (error) {
    // Its message may quote the payload, so only the class is said; the error is the cause.
    throw new IdempotencyKeyFunctionError(
      `Handler ${handlerId}: its @Idempotent key function failed for ${describe(at)} (${safeText(thrownName(error))})`,
      { cause: error },
    );
  }
  const refuse = (what: string) =>
    new IdempotencyKeyFunctionError(
      `Handler ${handlerId}: its @Idempotent key function returned ${what} for ${describe(at)}; return a string or a safe integer`,
    );
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string') {
    // A lone surrogate is written to the database as U+FFFD, so two such keys would be one.
    if (!hasUtf8Form(value)) throw refuse('a string with a lone surrogate');
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw refuse('a number that is not a safe integer');
    return String(value);
  }
  if (typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) {
    const text = decodeUtf8Strictly(
      value,
      `Handler ${handlerId}: the key its key function returned`,
    );
    return text === '' ? undefined : text;
  }
  throw refuse(Array.isArray(value) ? 'an array' : `a ${typeof value}`);
}

function describe(at: Pick<KafkaMessageRecord, 'topic' | 'partition' | 'offset'>): string {
  return `${at.topic}[${at.partition}]@${at.offset}`;
}
