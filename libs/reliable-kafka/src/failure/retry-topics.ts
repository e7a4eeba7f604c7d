import { emptyHeaders, type KafkaMessageRecord } from '../kafka/kafka-message-record';
import { OriginHeaders } from '../kafka/record-origin';

/** Headers of a record moved to a retry topic. */
export const RetryTopicHeaders = {
  /** Failed deliveries so far. */
  attempts: 'retry-attempts',
  /** Epoch ms before which the record is not delivered again. */
  notBefore: 'retry-not-before',
  originalTopic: OriginHeaders.topic,
  originalPartition: OriginHeaders.partition,
  originalOffset: OriginHeaders.offset,
  originalTimestamp: OriginHeaders.timestamp,
} as const;

export const RETRY_HEADER_NAMES = new Set<string>(Object.values(RetryTopicHeaders));

/** `<topic>.retry.<n>`, n from 1. */
export function retryTopicName(sourceTopic: string, n: number): string {
  return `${sourceTopic}.retry.${n}`;
}

/** Failed deliveries before this one (0 on the source topic). */
export function priorAttempts(record: KafkaMessageRecord): number {
  const value = Number(record.headers[RetryTopicHeaders.attempts] ?? 0);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

/** Milliseconds until a record on a retry topic is due; 0 when due (or not on a retry topic). */
export function msUntilDue(record: KafkaMessageRecord, now = Date.now()): number {
  const notBefore = Number(record.headers[RetryTopicHeaders.notBefore]);
  return Number.isFinite(notBefore) && notBefore > now ? notBefore - now : 0;
}

/**
 * The record's headers without the retry bookkeeping (for the dead-letter topic and replays). A
 * header without a value is left out: kafkajs cannot write one (it measures the value before it
 * checks for null), and read back it is undefined either way.
 */
export function withoutRetryHeaders(
  rawHeaders: Record<string, Buffer | undefined>,
): Record<string, Buffer> {
  const headers = emptyHeaders<Buffer>();
  for (const [name, value] of Object.entries(rawHeaders)) {
    if (value !== undefined && !RETRY_HEADER_NAMES.has(name)) headers[name] = value;
  }
  return headers;
}
