import { decodeUtf8Strictly } from '../decoding/strict-utf8';
import { hasUtf8Form } from '../errors/utf8-form';
import { IDEMPOTENCY_KEY_HEADER, MESSAGE_ID_HEADER } from '../reliable-kafka.constants';
import { SerializationError } from './errors/producer.errors';
import type { ProducerMessage } from '../options/producer.options';
import { uuidv7 } from './uuid-v7';

/** Bytes or text as given; anything else as JSON. Unserializable values are a SerializationError. */
export function encodeValue(topic: string, value: unknown): Buffer | string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || typeof value === 'string') return value;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new SerializationError(topic, { cause: error });
  }
  if (json === undefined)
    throw new SerializationError(topic, {
      cause: new TypeError(`${typeof value} has no JSON form`),
    });
  return json;
}

export type IdempotencyKeyFn = (message: ProducerMessage, topic: string) => string | undefined;

/**
 * The headers every record carries: `idempotency-key` (the message's own, then the key function's,
 * then a new UUID v7) and `message-id` (kept when present, so a re-publish is the same message).
 * Both are text byte for byte: a header given as bytes is decoded strictly, and a key with a lone
 * surrogate is refused, since read leniently or encoded, two different keys would be sent as the
 * same bytes and the consumer would skip the second as a duplicate. Either is a SerializationError.
 * Every other header is sent as given.
 */
export function identityHeaders(
  topic: string,
  message: ProducerMessage,
  keyFn: IdempotencyKeyFn | undefined,
): { idempotencyKey: string; messageId: string; headers: Record<string, string | Buffer> } {
  const given = message.headers ?? {};
  const header = (name: string): string | undefined => {
    const v: string | Buffer | undefined = given[name];
    if (v === undefined || typeof v === 'string') return v;
    try {
      return decodeUtf8Strictly(v, `Header "${name}"`);
    } catch (error) {
      throw new SerializationError(topic, { cause: error });
    }
  };
  let idempotencyKey: string | undefined = message.idempotencyKey ?? header(IDEMPOTENCY_KEY_HEADER);
  if (idempotencyKey === undefined && keyFn) {
    try {
      idempotencyKey = keyFn(message, topic);
    } catch (error) {
      throw new SerializationError(topic, { cause: error });
    }
  }
  idempotencyKey ??= uuidv7();
  const messageId = header(MESSAGE_ID_HEADER) ?? uuidv7();
  const identity: Array<[string, string]> = [
    [IDEMPOTENCY_KEY_HEADER, idempotencyKey],
    [MESSAGE_ID_HEADER, messageId],
  ];
  for (const [name, text] of identity) {
    if (!hasUtf8Form(text)) {
      throw new SerializationError(topic, {
        cause: new TypeError(`its "${name}" has a lone surrogate, which has no UTF-8 form`),
      });
    }
  }
  return {
    idempotencyKey,
    messageId,
    headers: { ...given, [IDEMPOTENCY_KEY_HEADER]: idempotencyKey, [MESSAGE_ID_HEADER]: messageId },
  };
}

export function encodedSize(key: unknown, value: unknown): number {
  const size = (v: unknown) =>
    v === null || v === undefined ? 0 : Buffer.byteLength(v as string | Buffer);
  return size(key) + size(value);
}
