import { Logger } from '@nestjs/common';
import {
  Kafka,
  type KafkaConfig,
  type KafkaMessage,
  type LogEntry,
  logLevel,
  type Producer,
} from 'kafkajs';
import type { KafkaMessageRecord } from '../consumer/kafka-message-record';
import type { OutgoingRecord, RecordSender, SentRecord } from './kafka-port';

/** The one place that constructs kafkajs clients. Its log lines go to Nest's Logger. */
export function createKafkaClient(config: KafkaConfig): Kafka {
  const logger = new Logger('kafkajs');
  return new Kafka({
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        const line = `${message} ${JSON.stringify(extra)}`;
        if (level === logLevel.ERROR) logger.error(line);
        else if (level === logLevel.WARN) logger.warn(line);
        else logger.debug(line);
      },
    ...config,
  });
}

/**
 * A producer with the at-least-once settings of the reference configuration: acks=all, the
 * idempotent producer, retries within a bounded time. One request in flight: kafkajs's idempotent
 * producer is not safe with more.
 */
export function createReliableProducer(kafka: Kafka, maxRetryTimeMs = 30_000): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: maxRetryTimeMs, initialRetryTime: 100 },
  });
}

export class KafkajsRecordSender implements RecordSender {
  constructor(private readonly producer: Producer) {}

  async send(topic: string, records: OutgoingRecord[]): Promise<SentRecord[]> {
    const result = await this.producer.send({ topic, acks: -1, messages: records });
    return result.map((r) => ({ topic: r.topicName, partition: r.partition, offset: r.baseOffset ?? '' }));
  }
}

export function toMessageRecord(topic: string, partition: number, message: KafkaMessage): KafkaMessageRecord {
  const headers: Record<string, string | undefined> = {};
  const rawHeaders: Record<string, Buffer | undefined> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // kafkajs gives an array when a header name repeats; the last value wins, as in Kafka's lastHeader().
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    const bytes = last === undefined ? undefined : Buffer.isBuffer(last) ? last : Buffer.from(last);
    rawHeaders[name] = bytes;
    headers[name] = bytes?.toString('utf8');
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
    rawHeaders,
    timestamp: message.timestamp,
  };
}
