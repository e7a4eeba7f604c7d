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

export interface RecordSender {
  /** Resolves once every record is acknowledged by all in-sync replicas. */
  send(topic: string, records: OutgoingRecord[]): Promise<SentRecord[]>;
}
