import type {
  OutgoingRecord,
  ProducerClient,
  RecordOutcome,
  RecordSender,
  SentRecord,
} from '../kafka/kafka-port';
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
 * One send as the deadline sees it: each record's outcome once settled, the records still to be
 * written, and each one's last failure. A record whose last answer at the delivery timeout was
 * "unknown topic" fails with UnknownTopicError, not DeliveryTimeoutError: the patience counts from
 * the first such answer, after the send began, so a patience as long as the delivery timeout (the
 * default when that is 30 s or less) would otherwise never end first, and a mistyped topic would
 * pass for an outage.
 */
/** The records one attempt settled, each with its index among the records of the send. */
export type Settled = (settled: Array<[index: number, outcome: RecordOutcome]>) => void;

interface Run {
  cancelled: boolean;
  outcomes: (RecordOutcome | undefined)[];
  pending: number[];
  lastFailure: unknown[];
  settled?: Settled;
}

/**
 * Kafka's `delivery.timeout.ms` over a client's attempts, record by record: each record is
 * acknowledged, fails for good with the client's error, fails with UnknownTopicError when the
 * broker keeps saying the topic does not exist (for `unknownTopicTimeoutMs`, or still at the
 * delivery timeout), or fails with DeliveryTimeoutError once the delivery timeout is spent.
 */
export class DeliveryDeadline implements RecordSender {
  constructor(
    private readonly client: ProducerClient,
    private readonly settings: DeliveryDeadlineSettings,
  ) {}

  /**
   * Sends the records of one topic; resolves when all are acknowledged, with each record's
   * partition and offset, or fails with the first failure of a record (for writes that are one
   * record, or must be written whole).
   */
  async send(topic: string, records: OutgoingRecord[]): Promise<SentRecord[]> {
    const outcomes = await this.sendEach(topic, records);
    const failed = outcomes.find((outcome) => outcome.status === 'failed');
    if (failed) throw failed.error;
    return outcomes.map((outcome) => (outcome as { sent: SentRecord }).sent);
  }

  /**
   * Sends the records of one topic and settles each within the delivery timeout: written, with
   * its partition and offset, or failed with its error (the client's as is when not transient).
   * Never rejects: a failure of the whole attempt is every pending record's. `settled` hears of
   * the records each attempt settled as soon as it did, so a written record need not wait for the
   * resends of its batch's others; the records the deadline settles are in the answer only.
   */
  async sendEach(
    topic: string,
    records: OutgoingRecord[],
    settled?: Settled,
  ): Promise<RecordOutcome[]> {
    const run: Run = {
      cancelled: false,
      outcomes: records.map(() => undefined),
      pending: records.map((_, i) => i),
      lastFailure: records.map(() => undefined),
      settled,
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.settings.deliveryTimeoutMs);
    });
    try {
      await Promise.race([
        this.sendUntil(topic, records, Date.now() + this.settings.deliveryTimeoutMs, run),
        timeout,
      ]);
    } finally {
      run.cancelled = true;
      clearTimeout(timer);
    }
    return run.outcomes.map(
      (outcome, i) => outcome ?? { status: 'failed', error: this.pastDeadline(topic, run, i) },
    );
  }

  /** The failure of a record still not written when the delivery timeout ended. */
  private pastDeadline(topic: string, run: Run, i: number): Error {
    const last = run.lastFailure[i];
    if (last !== undefined && this.client.isUnknownTopic(last))
      return new UnknownTopicError(topic, { cause: last });
    return new DeliveryTimeoutError(
      topic,
      this.settings.deliveryTimeoutMs,
      last === undefined ? undefined : { cause: last },
    );
  }

  /**
   * A client may give up on a transient error long before the delivery timeout (kafkajs does,
   * with nested retriers: a connection refused while reconnecting comes out as
   * KafkaJSNonRetriableError), so transient failures are tried again here until the deadline:
   * only the records not written yet, so none acknowledged is sent twice. A failed attempt may
   * still have been written by the leader; its resend may then be written twice (a client whose
   * sequence numbers a failure leaves unsure, kafkajs, resends through a new producer id, so it is
   * never taken for a duplicate of another batch): the consumers' dedup records absorb it.
   */
  private async sendUntil(
    topic: string,
    records: OutgoingRecord[],
    deadline: number,
    run: Run,
  ): Promise<void> {
    let pause = this.settings.retryBackoffMs;
    // Counted from the first "unknown topic" answer of this send. Another failure in between
    // (a connection lost, a leader moving) says nothing about the topic: it neither restarts the
    // count nor ends it; only an "unknown topic" answer at the end of the wait does.
    let unknownSince: number | undefined;
    for (;;) {
      const attempted = run.pending;
      let answers: RecordOutcome[];
      try {
        answers = await this.client.sendOnce(
          topic,
          attempted.map((i) => records[i]),
        );
      } catch (error) {
        answers = attempted.map(() => ({ status: 'failed', error }));
      }
      if (run.cancelled) return;
      const retry: number[] = [];
      const settledNow: Array<[number, RecordOutcome]> = [];
      const settle = (i: number, outcome: RecordOutcome) => {
        run.outcomes[i] = outcome;
        settledNow.push([i, outcome]);
      };
      answers.forEach((answer, j) => {
        const i = attempted[j];
        if (answer.status === 'sent') return settle(i, answer);
        const { error } = answer;
        run.lastFailure[i] = error;
        if (this.client.isUnknownTopic(error)) {
          unknownSince ??= Date.now();
          if (Date.now() - unknownSince >= this.settings.unknownTopicTimeoutMs)
            return settle(i, {
              status: 'failed',
              error: new UnknownTopicError(topic, { cause: error }),
            });
        }
        if (this.client.isTransient(error)) retry.push(i);
        else settle(i, answer);
      });
      if (settledNow.length > 0) run.settled?.(settledNow);
      run.pending = retry;
      // What is still pending past the deadline is settled by it (sendEach).
      if (retry.length === 0 || Date.now() + pause >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, pause));
      if (run.cancelled) return;
      pause = Math.min(pause * 2, MAX_ATTEMPT_PAUSE_MS);
    }
  }
}
