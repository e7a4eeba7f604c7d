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

/**
 * An empty header map with no prototype (as Node's `response.getHeaders()`), so that a header
 * named `__proto__` or `constructor` is an entry like any other instead of being lost.
 */
export function emptyHeaders<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
