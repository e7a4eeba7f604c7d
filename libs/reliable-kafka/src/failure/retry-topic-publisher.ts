import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import { originHeaders, reportedOriginOf } from '../kafka/record-origin';
import type { RecordSender } from '../kafka/kafka-port';
import {
  type RetryTopic,
  retryTopicName,
  RetryTopicHeaders,
  sourceTopicOf,
  withoutRetryHeaders,
} from './retry-topics';

/**
 * Moves a failed record to its next retry topic (that of the source topic it was read from):
 * original key, value and headers, plus where it first arrived, how many deliveries failed, and
 * when it is due. Resolves once acknowledged.
 */
export class RetryTopicPublisher {
  constructor(private readonly sender: RecordSender) {}

  async publish(
    record: KafkaMessageRecord,
    retryTopics: readonly RetryTopic[],
    failedAttempts: number,
    delayMs: number,
  ): Promise<string> {
    // A record that reaches a retry topic with malformed origin headers was keyed without them
    // (by its key header): the copy names where it was read instead, which is then its origin.
    const origin = reportedOriginOf(record);
    const topic = retryTopicName(sourceTopicOf(record.topic, retryTopics), failedAttempts);
    await this.sender.send(topic, [
      {
        key: record.key,
        value: record.value,
        headers: {
          ...withoutRetryHeaders(record.rawHeaders),
          [RetryTopicHeaders.attempts]: String(failedAttempts),
          [RetryTopicHeaders.notBefore]: String(Date.now() + delayMs),
          ...originHeaders(origin),
        },
      },
    ]);
    return topic;
  }
}
