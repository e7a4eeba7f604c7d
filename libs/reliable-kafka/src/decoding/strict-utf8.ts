import { isUtf8 } from 'node:buffer';
import { PayloadDecodeError } from '../errors/non-retriable.error';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';

/**
 * Decodes UTF-8 strictly: bytes that are not UTF-8 are an error, never replaced by U+FFFD. A
 * lenient decoder maps `u8-\xff` and `u8-\xfe` to one string, so two different records would get
 * one idempotency key and the second would be skipped as a duplicate. A byte order mark is kept as
 * U+FEFF (TextDecoder would drop it, and `\xef\xbb\xbfA` would become the key of `A`).
 */
export function decodeUtf8Strictly(bytes: Buffer, what: string): string {
  if (!isUtf8(bytes)) {
    throw new PayloadDecodeError(
      `${what} is not valid UTF-8: invalid byte sequence at byte offset ${firstInvalidUtf8Offset(bytes)} of ${bytes.length}`,
    );
  }
  return bytes.toString('utf8');
}

/**
 * The offset of the first byte that does not start or continue a well-formed UTF-8 sequence
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or -1. Only run once
 * `isUtf8` said no, to tell where, never what.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Sequence length and the allowed range of the second byte (which rules out overlong
    // forms, surrogates and code points above U+10FFFF), per the RFC 3629 table.
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined) return i;
      const min = k === 1 ? low : 0x80;
      const max = k === 1 ? high : 0xbf;
      if (next < min || next > max) return i;
    }
    i += length;
  }
  return -1;
}

/**
 * A header's value decoded strictly from its bytes (the `headers` map is decoded leniently, fit
 * for display only); the lenient value for a record built by hand without `rawHeaders`.
 */
export function decodeHeaderStrictly(
  record: Pick<KafkaMessageRecord, 'headers' | 'rawHeaders'>,
  name: string,
): string | undefined {
  const bytes = record.rawHeaders?.[name];
  if (bytes === undefined) return record.headers[name];
  return decodeUtf8Strictly(bytes, `Header "${name}"`);
}
