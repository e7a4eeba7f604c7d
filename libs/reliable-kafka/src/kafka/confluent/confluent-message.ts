import type { OutgoingRecord } from '../kafka-port';
import type { ConfluentMessage } from './confluent-api';
import { UnsendableHeaderError } from './unsendable-header.error';

/**
 * Zero bytes that stay zero bytes. The binding hands librdkafka a buffer's data pointer, and a
 * zero-length Buffer of its own (Buffer.alloc(0), Buffer.from('')) has none: librdkafka then
 * writes a null key, value or header value. An empty value would become a tombstone, an empty key
 * no key. A zero-length view into a one-byte buffer has a pointer, so it is written as empty.
 */
const EMPTY = Buffer.alloc(1).subarray(0, 0);

/** A record as the Confluent client's send takes it: every field as the exact bytes to write. */
export function toConfluentMessage(topic: string, record: OutgoingRecord): ConfluentMessage {
  const message: ConfluentMessage = { key: bytes(record.key), value: bytes(record.value) };
  if (record.partition !== undefined) message.partition = record.partition;
  if (record.headers) message.headers = headerBytes(topic, record.headers);
  return message;
}

function headerBytes(
  topic: string,
  headers: Record<string, Buffer | string>,
): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const name of Object.keys(headers)) {
    if (name === '__proto__') throw new UnsendableHeaderError(topic, name);
    out[name] = exactBytes(headers[name]);
  }
  return out;
}

function bytes(value: Buffer | string | null): Buffer | null {
  return value === null ? null : exactBytes(value);
}

function exactBytes(value: Buffer | string): Buffer {
  const buffer = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
  return buffer.length === 0 ? EMPTY : buffer;
}
