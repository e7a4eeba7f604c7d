import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import { PayloadDecodeError } from '../errors/non-retriable.error';
import { safeText } from '../errors/safe-text';
import { isThrownInstance, thrownName } from '../errors/thrown-value';
import { decodeUtf8Strictly } from './strict-utf8';

/** Turns a record's value bytes into what the handler receives as its payload. */
export type PayloadDecoder = (value: Buffer | null, record: KafkaMessageRecord) => unknown;

/** `json` (default), `string` (UTF-8), `buffer` (the raw bytes), or a decoder of your own. */
export type PayloadDecoderOption = 'json' | 'string' | 'buffer' | PayloadDecoder;

const decodeJson: PayloadDecoder = (value) => {
  if (value === null) return null;
  const text = decodeUtf8Strictly(value, 'Payload');
  try {
    return JSON.parse(text);
  } catch (error) {
    // JSON.parse's message quotes the text around the error: personal data, never to be logged
    // or put in a header. Only where it failed is kept, and not as `cause` either.
    throw new PayloadDecodeError(`Payload is not valid JSON: ${whereJsonFailed(error, text)}`);
  }
};

const decodeString: PayloadDecoder = (value) =>
  value === null ? null : decodeUtf8Strictly(value, 'Payload');
const decodeBuffer: PayloadDecoder = (value) => value;

export function resolvePayloadDecoder(option: PayloadDecoderOption | undefined): PayloadDecoder {
  if (typeof option === 'function') {
    // A custom decoder's failure is a decode failure whatever it throws: the bytes are poison.
    // Its message may quote them (a parser's does), so only the error's class is said; the error
    // itself is the cause. A PayloadDecodeError of the decoder's own is taken as it was written.
    return (value, record) => {
      try {
        return option(value, record);
      } catch (error) {
        if (isThrownInstance(error, PayloadDecodeError)) throw error;
        throw new PayloadDecodeError(
          `Payload decoder failed on a value of ${value?.length ?? 0} bytes: ${safeText(thrownName(error))}`,
          { cause: error },
        );
      }
    };
  }
  switch (option ?? 'json') {
    case 'json':
      return decodeJson;
    case 'string':
      return decodeString;
    case 'buffer':
      return decodeBuffer;
    default:
      throw new Error(`unknown decoder ${String(option)}`);
  }
}

/** The byte offset of a JSON syntax error, from the character position V8 reports when it does. */
function whereJsonFailed(error: unknown, text: string): string {
  const length = Buffer.byteLength(text);
  const message = (error as Error)?.message ?? '';
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) {
    const offset = Buffer.byteLength(text.slice(0, Number(position)));
    return `syntax error at byte offset ${offset} of ${length}`;
  }
  if (/Unexpected end of JSON input/.test(message)) {
    return `unexpected end at byte offset ${length} of ${length}`;
  }
  return `syntax error in a value of ${length} bytes`;
}
