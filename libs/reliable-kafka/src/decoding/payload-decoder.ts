import type { KafkaMessageRecord } from '../consumer/kafka-message-record';
import { PayloadDecodeError } from '../errors/non-retriable.error';

/** Turns a record's value bytes into what the handler receives as its payload. */
export type PayloadDecoder = (value: Buffer | null, record: KafkaMessageRecord) => unknown;

/** `json` (default), `string` (UTF-8), `buffer` (the raw bytes), or a decoder of your own. */
export type PayloadDecoderOption = 'json' | 'string' | 'buffer' | PayloadDecoder;

const decodeJson: PayloadDecoder = (value) => {
  if (value === null) return null;
  try {
    return JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw new PayloadDecodeError(`Payload is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
};

const decodeString: PayloadDecoder = (value) => (value === null ? null : value.toString('utf8'));
const decodeBuffer: PayloadDecoder = (value) => value;

export function resolvePayloadDecoder(option: PayloadDecoderOption | undefined): PayloadDecoder {
  if (typeof option === 'function') {
    // A custom decoder's failure is a decode failure whatever it throws: the bytes are poison.
    return (value, record) => {
      try {
        return option(value, record);
      } catch (error) {
        if (error instanceof PayloadDecodeError) throw error;
        throw new PayloadDecodeError(`Payload decoder failed: ${(error as Error)?.message}`, {
          cause: error,
        });
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
