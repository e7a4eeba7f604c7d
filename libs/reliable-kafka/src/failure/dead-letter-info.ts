import {
  isOffsetText,
  isPartitionText,
  isTimestampText,
  isTopicName,
} from '../kafka/coordinates-text';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import { IDEMPOTENCY_KEY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH } from '../reliable-kafka.constants';
import { decodeHeaderStrictly } from '../decoding/strict-utf8';
import { DeadLetterHeaders } from './dead-letter.headers';

/** Where a dead-lettered record came from and why it failed, read from its headers. */
export interface DeadLetterInfo {
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  /** Undefined when missing or not a timestamp in the form the library writes. */
  originalTimestamp?: string;
  consumerGroup?: string;
  handler?: string;
  errorClass?: string;
  errorCode?: string;
  errorMessage?: string;
  attempts?: number;
  failedAt?: string;
}

/**
 * Null when the record carries no dead-letter origin (it was not written by this library), or one
 * not in the form the library writes: a partition `abc` would be NaN, and every such dead letter
 * of one offset would get the one key `topic/NaN/offset`.
 */
export function readDeadLetterInfo(record: KafkaMessageRecord): DeadLetterInfo | null {
  const h = record.headers;
  const topic = h[DeadLetterHeaders.originalTopic];
  const partition = h[DeadLetterHeaders.originalPartition];
  const offset = h[DeadLetterHeaders.originalOffset];
  if (!isTopicName(topic) || !isPartitionText(partition) || !isOffsetText(offset)) return null;
  const attempts = h[DeadLetterHeaders.attempts];
  // A replay carries the timestamp on as its origin's, which the consumer reads strictly: one not
  // in the library's form would dead-letter the replay. Without it the replay's own stands in.
  const timestamp = h[DeadLetterHeaders.originalTimestamp];
  return {
    originalTopic: topic,
    originalPartition: Number(partition),
    originalOffset: offset,
    originalTimestamp: isTimestampText(timestamp) ? timestamp : undefined,
    consumerGroup: h[DeadLetterHeaders.consumerGroup],
    handler: h[DeadLetterHeaders.handler],
    errorClass: h[DeadLetterHeaders.errorClass],
    errorCode: h[DeadLetterHeaders.errorCode],
    errorMessage: h[DeadLetterHeaders.errorMessage],
    attempts: attempts === undefined ? undefined : Number(attempts),
    failedAt: h[DeadLetterHeaders.failedAt],
  };
}

/**
 * The idempotency key of the ORIGINAL record: its own header, else its coordinates, which is the
 * key a consumer used by default (an empty header counts as none there too). Every copy of one
 * dead-lettered record has the same key, so a record dead-lettered twice (a crash after the
 * dead-letter write) is handled once, and a replay is keyed as the original was.
 */
export function originalIdempotencyKey(
  record: KafkaMessageRecord,
  info = readDeadLetterInfo(record),
): string | undefined {
  if (!info) return undefined;
  return (
    usableKeyHeader(record) ||
    `${info.originalTopic}/${info.originalPartition}/${info.originalOffset}`
  );
}

/**
 * The idempotency-key header, decoded strictly as the consumer decoded it, when it can be a key.
 * One that cannot (not UTF-8, a NUL, too long) keyed nothing: the consumer dead-lettered the record
 * for it. Its dead letter is keyed by its coordinates, so that it is still handled, once.
 */
function usableKeyHeader(record: KafkaMessageRecord): string | undefined {
  let key: string | undefined;
  try {
    key = decodeHeaderStrictly(record, IDEMPOTENCY_KEY_HEADER);
  } catch {
    return undefined;
  }
  if (!key || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || key.includes('\u0000')) return undefined;
  return key;
}
