/** One outbox row as the relay reads it (column names of outbox-table.ts). */
export interface OutboxRow {
  id: string;
  topic: string;
  messageKey: string | null;
  payload: string | null;
  payloadEncoding: 'utf8' | 'base64';
  headers: Record<string, string>;
  idempotencyKey: string;
  messageId: string;
}

export function toOutboxRow(raw: Record<string, unknown>): OutboxRow {
  return {
    id: String(raw.id),
    topic: String(raw.topic),
    messageKey:
      raw.message_key === null || raw.message_key === undefined ? null : String(raw.message_key),
    payload: raw.payload === null || raw.payload === undefined ? null : String(raw.payload),
    payloadEncoding: raw.payload_encoding === 'base64' ? 'base64' : 'utf8',
    headers: JSON.parse(String(raw.headers ?? '{}')) as Record<string, string>,
    idempotencyKey: String(raw.idempotency_key),
    messageId: String(raw.message_id),
  };
}
