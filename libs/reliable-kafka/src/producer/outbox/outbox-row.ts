import { readKeyAndHeaders } from './outbox-key-headers';

/** One outbox row as the relay reads it (column names of outbox-table.ts). */
export interface OutboxRow {
  id: string;
  topic: string;
  /** The `message_key` column as stored: what rows of one key have in common. */
  messageKey: string | null;
  /** The key to send, byte for byte. */
  key: string | Buffer | null;
  payload: string | null;
  payloadEncoding: 'utf8' | 'base64';
  headers: Record<string, string | Buffer>;
  idempotencyKey: string;
  messageId: string;
}

export function toOutboxRow(raw: Record<string, unknown>): OutboxRow {
  const messageKey =
    raw.message_key === null || raw.message_key === undefined ? null : String(raw.message_key);
  const { key, headers } = readKeyAndHeaders(messageKey, String(raw.headers ?? '{}'));
  return {
    id: String(raw.id),
    topic: String(raw.topic),
    messageKey,
    key,
    payload: raw.payload === null || raw.payload === undefined ? null : String(raw.payload),
    payloadEncoding: raw.payload_encoding === 'base64' ? 'base64' : 'utf8',
    headers,
    idempotencyKey: String(raw.idempotency_key),
    messageId: String(raw.message_id),
  };
}
