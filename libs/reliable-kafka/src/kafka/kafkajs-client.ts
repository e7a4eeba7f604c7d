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
import { DeliveryTimeoutError } from '../errors/delivery.errors';
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

/** Longest pause between two retries of one send. */
const MAX_RETRY_PAUSE_MS = 1_000;

/**
 * A producer with the at-least-once settings of the reference configuration: acks=all, the
 * idempotent producer, retries until the delivery timeout. kafkajs has no delivery timeout (its
 * `maxRetryTime` caps one pause, not the total), so the retry count is derived from it and
 * `KafkajsRecordSender` enforces it. One request in flight: kafkajs's idempotent producer is not
 * safe with more.
 */
export function createReliableProducer(kafka: Kafka, deliveryTimeoutMs: number): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: {
      initialRetryTime: 100,
      maxRetryTime: MAX_RETRY_PAUSE_MS,
      retries: Math.max(1, Math.ceil(deliveryTimeoutMs / MAX_RETRY_PAUSE_MS)),
    },
  });
}

export class KafkajsRecordSender implements RecordSender {
  constructor(
    private readonly producer: Producer,
    private readonly deliveryTimeoutMs: number,
  ) {}

  async send(topic: string, records: OutgoingRecord[]): Promise<SentRecord[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeliveryTimeoutError(topic, this.deliveryTimeoutMs)), this.deliveryTimeoutMs);
    });
    try {
      const result = await Promise.race([this.producer.send({ topic, acks: -1, messages: records }), timeout]);
      return result.map((r) => ({ topic: r.topicName, partition: r.partition, offset: r.baseOffset ?? '' }));
    } catch (error) {
      if (error instanceof DeliveryTimeoutError) throw error;
      if ((error as { retriable?: boolean }).retriable !== false && isRetriesExhausted(error)) {
        throw new DeliveryTimeoutError(topic, this.deliveryTimeoutMs, { cause: error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** kafkajs gives up on a retriable error with KafkaJSNumberOfRetriesExceeded. */
function isRetriesExhausted(error: unknown): boolean {
  return (error as { name?: string })?.name === 'KafkaJSNumberOfRetriesExceeded';
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
