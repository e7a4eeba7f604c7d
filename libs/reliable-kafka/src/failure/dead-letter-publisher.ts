import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import type { RecordSender } from '../kafka/kafka-port';
import { DeadLetterHeaders, withoutDeadLetterHeaders } from './dead-letter.headers';
import { safeText } from '../errors/safe-text';
import { thrownCode, thrownMessage, thrownName } from '../errors/thrown-value';
import { reportedOriginOf } from '../kafka/record-origin';
import { withoutRetryHeaders } from './retry-topics';

export interface DeadLetterFailure {
  error: unknown;
  attempts: number;
  groupId: string;
  handlerId: string;
}

/**
 * Writes a failed record to its dead-letter topic: original key, value (byte for byte) and headers,
 * plus headers naming its origin and its error. Resolves only once the broker acknowledged it.
 */
export class DeadLetterPublisher {
  constructor(private readonly sender: RecordSender) {}

  async publish(
    topic: string,
    record: KafkaMessageRecord,
    failure: DeadLetterFailure,
  ): Promise<void> {
    // A record coming from a retry topic is reported where it first arrived.
    const origin = reportedOriginOf(record);
    const headers: Record<string, Buffer | string> = withoutDeadLetterHeaders(
      withoutRetryHeaders(record.rawHeaders),
    );
    const added: Record<string, string> = {
      [DeadLetterHeaders.originalTopic]: origin.topic,
      [DeadLetterHeaders.originalPartition]: String(origin.partition),
      [DeadLetterHeaders.originalOffset]: origin.offset,
      [DeadLetterHeaders.originalTimestamp]: origin.timestamp,
      [DeadLetterHeaders.consumerGroup]: failure.groupId,
      [DeadLetterHeaders.handler]: failure.handlerId,
      [DeadLetterHeaders.errorClass]: thrownName(failure.error),
      // What an error says is the thrower's: the library's own errors quote no record bytes; a
      // handler's message is carried as the handler wrote it, made safe as a header.
      [DeadLetterHeaders.errorMessage]: thrownMessage(failure.error),
      [DeadLetterHeaders.attempts]: String(failure.attempts),
      [DeadLetterHeaders.failedAt]: new Date().toISOString(),
    };
    const code = thrownCode(failure.error);
    if (code !== undefined) added[DeadLetterHeaders.errorCode] = code;
    // Every dlq-* value is safe text, whatever wrote it (a retry topic's origin headers included).
    for (const name of Object.keys(added)) headers[name] = safeText(added[name]);
    await this.sender.send(topic, [{ key: record.key, value: record.value, headers }]);
  }
}
