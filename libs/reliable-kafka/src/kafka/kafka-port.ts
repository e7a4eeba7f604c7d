/** The library's narrow view of producing: enough to swap the Kafka client behind it. */
export interface OutgoingRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  /** A header whose value is undefined has none (Kafka's null header); see the client for how it is written. */
  headers?: Record<string, Buffer | string | undefined>;
  partition?: number;
}

export interface SentRecord {
  topic: string;
  partition: number;
  offset: string;
}

export interface RecordSender {
  /** Resolves once every record is acknowledged by all in-sync replicas. */
  send(topic: string, records: OutgoingRecord[]): Promise<SentRecord[]>;
}
