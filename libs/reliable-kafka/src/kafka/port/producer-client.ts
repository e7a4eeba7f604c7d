/** The library's narrow view of producing: enough to swap the Kafka client behind it. */
export interface OutgoingRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string>;
  partition?: number;
}

export interface SentRecord {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * What became of one record: written (where), or not written (why). A batch's records are settled
 * one by one: one record that cannot be written (a partition the topic does not have) must not
 * fail the others, nor a record already written be reported as failed, which a caller would
 * resend as a new record.
 */
export type RecordOutcome =
  { status: 'sent'; sent: SentRecord } | { status: 'failed'; error: unknown };

/**
 * A Kafka client's producer, as the library drives it: one attempt at sending a topic's records
 * (the client's own retries included), and the client's verdict on what an attempt failed with.
 * The delivery timeout over the attempts is the library's, the same for every client
 * (producer/delivery-deadline.ts).
 */
export interface ProducerClient {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /**
   * One outcome per record, in order. Rejects when the attempt failed as a whole (the connection,
   * the topic, the request): then it is every record's outcome, and which were written is unknown.
   */
  sendOnce(topic: string, records: OutgoingRecord[]): Promise<RecordOutcome[]>;
  /** Whether a failure is worth another attempt within the delivery timeout. */
  isTransient(error: unknown): boolean;
  /** Whether the broker answered that the topic does not exist. */
  isUnknownTopic(error: unknown): boolean;
}

/**
 * What a client's send failure means to the producer: a record too large for the broker or the
 * client (never written), a failure worth more attempts (when the delivery timeout ran out on it),
 * or one no attempt can mend; undefined when the client cannot tell.
 */
export type ProducerErrorKind = 'too-large' | 'transient' | 'fatal';

/** Settings of a producer client, already validated (see options/producer-settings.ts). */
export interface ProducerClientSettings {
  deliveryTimeoutMs: number;
  acks: -1 | 0 | 1;
  idempotent: boolean;
  maxInFlightRequests: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
}

export interface RecordSender {
  /** Resolves once every record is acknowledged by all in-sync replicas. */
  send(topic: string, records: OutgoingRecord[]): Promise<SentRecord[]>;
}
