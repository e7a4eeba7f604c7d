import { Logger } from '@nestjs/common';
import type { HandlerDefinition } from '../discovery/handler-definition';
import type { BatchHandlerTransaction } from '../pipeline/handler-transaction';
import { ReliableKafkaBatchContext } from '../pipeline/reliable-kafka-batch.context';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';

/** A record decoded and keyed, ready for its handler. */
export interface PreparedRecord {
  record: KafkaMessageRecord;
  payload: unknown;
  key: string;
}

const logger = new Logger('ReliableKafka');

/**
 * One call of an `@AtLeastOnceBatchHandler` through its interceptor chain (tracing, the transaction,
 * the multi-row dedup insert, the app's guards, interceptors and pipes): the same for a chunk of a
 * fetched batch and for one record redone alone. Throws when the call failed (all of it rolled back).
 */
export async function callBatchHandler(
  handler: HandlerDefinition,
  prepared: PreparedRecord[],
  attempt: number,
  transaction: BatchHandlerTransaction,
): Promise<('processed' | 'duplicate')[]> {
  const records = prepared.map(({ record, payload, key }) => ({
    payload,
    key: record.key === null ? null : record.key.toString('utf8'),
    headers: record.headers,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    idempotencyKey: key,
    record,
  }));
  const context = new ReliableKafkaBatchContext(
    records,
    handler.id,
    handler.groupId,
    attempt,
    transaction,
  );
  await handler.invoke(context.payloads, context);
  if (context.outcomes.includes('pending')) {
    // An interceptor of the app answered without calling the handler: nothing was written, and
    // nothing would be on a redelivery either, so the records are finished.
    const first = prepared[0].record;
    logger.warn(
      `${first.topic}[${first.partition}]@${first.offset} ${handler.id}: an interceptor skipped the batch handler`,
    );
  }
  return context.outcomes.map((outcome) => (outcome === 'duplicate' ? 'duplicate' : 'processed'));
}
