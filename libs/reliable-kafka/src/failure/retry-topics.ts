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

/** A handler's retry topic and the source topic whose records it retries. */
export interface RetryTopic {
  topic: string;
  source: string;
}

/** `<topic>.retry.<n>`, n from 1. */
export function retryTopicName(sourceTopic: string, n: number): string {
  return `${sourceTopic}.retry.${n}`;
}

/**
 * The source topic of the topic a record was read from: a retry topic's source, else the topic
 * itself. A failed record's next retry topic and its dead-letter topic are that source's, which the
 * handler consumes and whose derived topics it prepares. Not the topic its origin headers name:
 * those may name a retry topic (a replay of a record dead-lettered from one; its next move would go
 * to `orders.retry.1.retry.1`, which does not exist) or another app's topic (a forwarded record
 * copies every header), and a write to a topic that does not exist would hold the partition.
 */
export function sourceTopicOf(readFrom: string, retryTopics: readonly RetryTopic[]): string {
  return retryTopics.find((retry) => retry.topic === readFrom)?.source ?? readFrom;
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
