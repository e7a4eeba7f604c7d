import { Injectable } from '@nestjs/common';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import { NonRetriableError } from '../errors/non-retriable.error';
import { IDEMPOTENCY_KEY_HEADER } from '../reliable-kafka.constants';
import { originalIdempotencyKey, readDeadLetterInfo } from './dead-letter-info';
import { DeadLetterHeaders, withoutDeadLetterHeaders } from './dead-letter.headers';
import { FailureRecordSender } from './failure-record-sender';
import { originHeaders } from '../kafka/record-origin';
import { withoutRetryHeaders } from './retry-topics';

/**
 * Sends a dead-lettered record back to its original topic: same key, same value, original headers
 * (the dead-letter ones removed), the original idempotency key and the original coordinates. A
 * replay is therefore itself idempotent: replaying twice, or replaying a record the consumer did
 * apply meanwhile, applies its effect once, because the consumer's dedup record has that key.
 */
@Injectable()
export class DeadLetterReplayer {
  constructor(private readonly sender: FailureRecordSender) {}

  async replay(record: KafkaMessageRecord, toTopic?: string): Promise<void> {
    const info = readDeadLetterInfo(record);
    if (!info) {
      throw new NonRetriableError(
        `${record.topic}[${record.partition}]@${record.offset} has no valid dead-letter origin headers (${DeadLetterHeaders.originalTopic}, ${DeadLetterHeaders.originalPartition}, ${DeadLetterHeaders.originalOffset}); nothing to replay`,
      );
    }
    const headers: Record<string, Buffer | string> = withoutDeadLetterHeaders(
      withoutRetryHeaders(record.rawHeaders),
    );
    // The original's own key bytes when it had any, even ones the consumer refused: the replay
    // meets the same rule as the original did, not a key made up for it.
    const keyBytes = record.rawHeaders[IDEMPOTENCY_KEY_HEADER];
    headers[IDEMPOTENCY_KEY_HEADER] = keyBytes?.length
      ? keyBytes
      : (originalIdempotencyKey(record, info) as string);
    // Where the record first arrived, as a retry topic's copy says it: a handler that keys by
    // coordinates (its key header missing or empty) keys the replay as it keyed the original, not
    // by the replay's own offset, and a failure of the replay is reported where the record arrived.
    const {
      originalTopic: topic,
      originalPartition: partition,
      originalOffset: offset,
      originalTimestamp: timestamp,
    } = info;
    Object.assign(headers, originHeaders({ topic, partition, offset, timestamp }));
    await this.sender.send(toTopic ?? info.originalTopic, [
      { key: record.key, value: record.value, headers },
    ]);
  }
}
