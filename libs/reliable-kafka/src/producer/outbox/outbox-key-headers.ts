import { isUtf8 } from 'node:buffer';
import { emptyHeaders } from '../../kafka/kafka-message-record';
import { SerializationError } from '../errors/producer.errors';

/** A record's key and headers as the outbox keeps them in its text columns. */
export interface StoredKeyAndHeaders {
  /** The `message_key` column; also what the relay compares to keep the order of a key. */
  messageKey: string | null;
  /**
   * The `headers` column: a JSON object of header texts (the text form), or `bytes:` and then
   * JSON (the bytes form, see storeKeyAndHeaders).
   */
  headers: string;
}

/** A record's key and headers as the relay sends them: the bytes they were given. */
export interface KeyAndHeaders {
  key: string | Buffer | null;
  headers: Record<string, string | Buffer>;
}

/**
 * What the headers column of the bytes form starts with. The text form is a JSON object, so it
 * starts with `{`: no row of it can be taken for the bytes form, and a relay of an earlier
 * version, reading the bytes form as JSON, fails instead of sending something else.
 */
const BYTES_FORM = 'bytes:';

type StoredValue = string | { base64: string };

interface BytesForm {
  /** The `message_key` column is the base64 of the key's bytes. */
  keyBase64?: true;
  headers: Array<[string, StoredValue]>;
}

/**
 * Stores a key and headers so that the relay sends exactly the bytes it was given. Text is stored
 * as text: a string, and bytes that are UTF-8 (sent again, that text is the same bytes). Bytes
 * that are not UTF-8 cannot be text: read with a lenient toString() they became U+FFFD, and two
 * keys or key headers became one, the second record then skipped as a duplicate.
 *
 * The text form is the only one earlier versions wrote, and still the one used when everything
 * is text: `message_key` holds the key, `headers` a JSON object of header texts. When the key or
 * a header holds bytes that are not UTF-8, `headers` is the bytes form, `bytes:` and then
 * `{"keyBase64":true,"headers":[["name","text"],["name",{"base64":"..."}]]}`, with `message_key`
 * the base64 of the key's bytes when `keyBase64` is set.
 *
 * A relay of an earlier version cannot read a row of the bytes form: its whole round fails
 * (nothing is sent, nothing is lost), and writers and relays are usually the same instances, so
 * during a rolling upgrade a new writer runs beside an old relay. The bytes form is therefore
 * written only when the app opts in (`bytesForm`, producer.outbox.binaryKeysAndHeaders) once
 * every relay reads it; without it, such a key or header is a SerializationError at write time:
 * the caller's transaction fails, nothing is stored, nothing is corrupted.
 */
export function storeKeyAndHeaders(
  topic: string,
  key: string | Buffer | null | undefined,
  headers: Record<string, string | Buffer>,
  bytesForm: boolean,
): StoredKeyAndHeaders {
  const keyIsBytes = key !== null && key !== undefined && isBytes(key);
  const entries = Object.entries(headers);
  const messageKey =
    key === null || key === undefined ? null : keyIsBytes ? key.toString('base64') : text(key);
  const bytesHeader = entries.find(([, value]) => isBytes(value))?.[0];
  if (!keyIsBytes && bytesHeader === undefined) {
    return { messageKey, headers: JSON.stringify(Object.fromEntries(entries.map(textEntry))) };
  }
  if (!bytesForm) {
    const what = keyIsBytes ? 'key' : `header "${bytesHeader}"`;
    throw new SerializationError(topic, {
      cause: new TypeError(
        `its ${what} is bytes that are not UTF-8 text, which the outbox stores only with producer.outbox.binaryKeysAndHeaders: true (turn it on once every instance that relays runs a version that reads such rows)`,
      ),
    });
  }
  const form: BytesForm = {
    ...(keyIsBytes ? { keyBase64: true as const } : {}),
    headers: entries.map(([name, value]) => [
      name,
      isBytes(value) ? { base64: value.toString('base64') } : text(value),
    ]),
  };
  return { messageKey, headers: `${BYTES_FORM}${JSON.stringify(form)}` };
}

/**
 * The key and headers of a stored row, in either form. A row of the text form (every row an
 * earlier version wrote) is read as before.
 */
export function readKeyAndHeaders(messageKey: string | null, headersColumn: string): KeyAndHeaders {
  const headers = emptyHeaders<string | Buffer>();
  if (headersColumn.startsWith(BYTES_FORM)) {
    const parsed = JSON.parse(headersColumn.slice(BYTES_FORM.length)) as BytesForm;
    for (const [name, value] of parsed.headers) {
      headers[name] = typeof value === 'string' ? value : Buffer.from(value.base64, 'base64');
    }
    const key =
      messageKey !== null && parsed.keyBase64 ? Buffer.from(messageKey, 'base64') : messageKey;
    return { key, headers };
  }
  for (const [name, value] of Object.entries(JSON.parse(headersColumn) as Record<string, string>)) {
    headers[name] = value;
  }
  return { key: messageKey, headers };
}

function isBytes(value: string | Buffer): value is Buffer {
  return Buffer.isBuffer(value) && !isUtf8(value);
}

function text(value: string | Buffer): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

function textEntry([name, value]: [string, string | Buffer]): [string, string] {
  return [name, text(value)];
}
