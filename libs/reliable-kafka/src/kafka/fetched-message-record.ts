import { emptyHeaders, type KafkaMessageRecord } from './kafka-message-record';

/**
 * A fetched message as both clients' KafkaJS-style consumers give it: offset and timestamp as
 * decimal strings, and a header sent more than once as an array of its values.
 */
export interface FetchedMessage {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  offset: string;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | null | undefined>;
}

/** A fetched message as the library's record: header values decoded, bytes kept. */
export function toMessageRecord(
  topic: string,
  partition: number,
  message: FetchedMessage,
): KafkaMessageRecord {
  const headers = emptyHeaders<string | undefined>();
  const rawHeaders = emptyHeaders<Buffer | undefined>();
  const given = message.headers ?? {};
  // Object.keys, not Object.entries: one array per record instead of one more per header.
  for (const name of Object.keys(given)) {
    const value = given[name];
    // An array when a header name repeats; the last value wins, as in Kafka's lastHeader().
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    // A header without a value (null on the wire) is kept, as undefined in both maps.
    const bytes = last == null ? undefined : Buffer.isBuffer(last) ? last : Buffer.from(last);
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
