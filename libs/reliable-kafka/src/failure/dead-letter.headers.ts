import { emptyHeaders } from '../kafka/kafka-message-record';

/**
 * Headers added to a dead-lettered record. The record keeps its original key, value and headers;
 * these say where it came from and why it failed (Spring Kafka users know them as `kafka_dlt-*`).
 */
export const DeadLetterHeaders = {
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  originalTimestamp: 'dlq-original-timestamp',
  consumerGroup: 'dlq-consumer-group',
  handler: 'dlq-handler',
  errorClass: 'dlq-error-class',
  errorCode: 'dlq-error-code',
  errorMessage: 'dlq-error-message',
  attempts: 'dlq-attempts',
  failedAt: 'dlq-failed-at',
} as const;

const DEAD_LETTER_HEADER_NAMES = new Set<string>(Object.values(DeadLetterHeaders));

/**
 * The headers without the dead-letter ones. A dead letter that fails again (in a dead-letter
 * handler, on its way to `<topic>.dlq.dlq`) gets its new failure's headers only, never a mix with
 * the first failure's: a stale `dlq-error-code` would name an error that is not this one. A
 * replay carries none.
 */
export function withoutDeadLetterHeaders<T>(headers: Record<string, T>): Record<string, T> {
  const kept = emptyHeaders<T>();
  for (const [name, value] of Object.entries(headers)) {
    if (!DEAD_LETTER_HEADER_NAMES.has(name)) kept[name] = value;
  }
  return kept;
}
