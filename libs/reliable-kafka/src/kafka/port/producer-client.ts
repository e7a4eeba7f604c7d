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
 * A Kafka client's producer, as the library drives it: one attempt at sending a topic's records
 * (the client's own retries included), and the client's verdict on what an attempt failed with.
 * The delivery timeout over the attempts is the library's, the same for every client
 * (producer/delivery-deadline.ts).
 */
export interface ProducerClient {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  sendOnce(topic: string, records: OutgoingRecord[]): Promise<SentRecord[]>;
  /** Whether a failure is worth another attempt within the delivery timeout. */
  isTransient(error: unknown): boolean;
  /** Whether the broker answered that the topic does not exist. */
  isUnknownTopic(error: unknown): boolean;
}

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
