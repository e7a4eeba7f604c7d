import type { OutgoingRecord, ProducerClient, RecordSender, SentRecord } from '../kafka/kafka-port';
import { DeliveryTimeoutError } from './errors/delivery-timeout.error';
import { UnknownTopicError } from './errors/unknown-topic.error';

/** Longest pause between two attempts of one send. */
const MAX_ATTEMPT_PAUSE_MS = 1_000;

/** The settings a send's deadline reads, validated (options/producer-settings.ts). */
export interface DeliveryDeadlineSettings {
  deliveryTimeoutMs: number;
  retryBackoffMs: number;
  /**
   * How long the broker may keep answering "unknown topic" before the send fails with
   * UnknownTopicError: long enough for a topic created a moment ago to reach the broker's
   * metadata, short enough that a typo in a topic name fails before the delivery timeout. A
   * broker that cannot be reached never answers "unknown topic", so outages are still retried
   * until the delivery timeout.
   */
  unknownTopicTimeoutMs: number;
}

/**
 * One send's attempts as the deadline sees them. `unknownTopic`: the last answer, when it was
 * "unknown topic". A send that ends at its delivery timeout with that answer fails with
 * UnknownTopicError, not DeliveryTimeoutError: the patience counts from the first such answer,
 * after the send began, so a patience as long as the delivery timeout (the default when that is
 * 30 s or less) would otherwise never end first, and a mistyped topic would pass for an outage.
 */
interface Attempt {
  cancelled: boolean;
  unknownTopic?: unknown;
}

/**
 * Kafka's `delivery.timeout.ms` over a client's attempts: a send is acknowledged, fails for good
 * with the client's error, fails with UnknownTopicError when the broker keeps saying the topic
 * does not exist (for `unknownTopicTimeoutMs`, or still at the delivery timeout), or fails with
 * DeliveryTimeoutError once the delivery timeout is spent.
 */
export class DeliveryDeadline implements RecordSender {
  constructor(
    private readonly client: ProducerClient,
    private readonly settings: DeliveryDeadlineSettings,
  ) {}

  /**
   * Sends the records of one topic; resolves when all are acknowledged, with each record's
   * partition and offset. Fails with DeliveryTimeoutError past the delivery timeout, or with
   * the client's error as is (the caller classifies it).
   */
  async send(topic: string, records: OutgoingRecord[]): Promise<SentRecord[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DeliveryTimeoutError(topic, this.settings.deliveryTimeoutMs)),
        this.settings.deliveryTimeoutMs,
      );
    });
    const attempt: Attempt = { cancelled: false };
    try {
      return await Promise.race([
        this.sendUntil(topic, records, Date.now() + this.settings.deliveryTimeoutMs, attempt),
        timeout,
      ]);
    } catch (error) {
      if (error instanceof UnknownTopicError) throw error;
      if (error instanceof DeliveryTimeoutError) {
        if (attempt.unknownTopic === undefined) throw error;
        throw new UnknownTopicError(topic, { cause: attempt.unknownTopic });
      }
      if (this.client.isTransient(error)) {
        throw new DeliveryTimeoutError(topic, this.settings.deliveryTimeoutMs, { cause: error });
      }
      throw error;
    } finally {
      attempt.cancelled = true;
      clearTimeout(timer);
    }
  }

  /**
   * A client may give up on a transient error long before the delivery timeout (kafkajs does,
   * with nested retriers: a connection refused while reconnecting comes out as
   * KafkaJSNonRetriableError), so transient failures are tried again here until the deadline.
   * Same records, same producer: the idempotent producer's sequence numbers make a resend of a
   * written batch a no-op.
   */
  private async sendUntil(
    topic: string,
    records: OutgoingRecord[],
    deadline: number,
    attempt: Attempt,
  ): Promise<SentRecord[]> {
    let pause = this.settings.retryBackoffMs;
    // Counted from the first "unknown topic" answer of this send. Another failure in between
    // (a connection lost, a leader moving) says nothing about the topic: it neither restarts the
    // count nor ends it; only an "unknown topic" answer at the end of the wait does.
    let unknownSince: number | undefined;
    for (;;) {
      try {
        return await this.client.sendOnce(topic, records);
      } catch (error) {
        const unknownTopic = this.client.isUnknownTopic(error);
        attempt.unknownTopic = unknownTopic ? error : undefined;
        if (unknownTopic) {
          unknownSince ??= Date.now();
          if (Date.now() - unknownSince >= this.settings.unknownTopicTimeoutMs)
            throw new UnknownTopicError(topic, { cause: error });
        }
        if (attempt.cancelled || !this.client.isTransient(error)) throw error;
        if (Date.now() + pause >= deadline) {
          throw unknownTopic ? new UnknownTopicError(topic, { cause: error }) : error;
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
        if (attempt.cancelled) throw error;
        pause = Math.min(pause * 2, MAX_ATTEMPT_PAUSE_MS);
      }
    }
  }
}
