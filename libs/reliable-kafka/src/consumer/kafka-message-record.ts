/**
 * One Kafka record as the library sees it, independent of the client library. Header values are
 * decoded as UTF-8; `rawHeaders` keeps the bytes.
 */
export interface KafkaMessageRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string | undefined>;
  rawHeaders: Record<string, Buffer | undefined>;
  timestamp: string;
}
