import { PayloadDecodeError } from '../errors/non-retriable.error';
import type { KafkaMessageRecord } from '../consumer/kafka-message-record';
import { resolvePayloadDecoder } from './payload-decoder';

const record = {} as KafkaMessageRecord;

describe('resolvePayloadDecoder', () => {
  it('json by default; a null value (tombstone) stays null', () => {
    const decode = resolvePayloadDecoder(undefined);
    expect(decode(Buffer.from('{"a":1}'), record)).toEqual({ a: 1 });
    expect(decode(null, record)).toBeNull();
  });

  it('invalid JSON is a PayloadDecodeError', () => {
    expect(() => resolvePayloadDecoder('json')(Buffer.from([0xff, 0x00, 0x7b]), record)).toThrow(
      PayloadDecodeError,
    );
  });

  it('buffer hands over the bytes, string decodes UTF-8', () => {
    const bytes = Buffer.from([1, 2, 3]);
    expect(resolvePayloadDecoder('buffer')(bytes, record)).toBe(bytes);
    expect(resolvePayloadDecoder('string')(Buffer.from('héllo'), record)).toBe('héllo');
  });

  it('a custom decoder that throws is a decode failure', () => {
    const decode = resolvePayloadDecoder(() => {
      throw new RangeError('schema id 9 unknown');
    });
    expect(() => decode(Buffer.from('x'), record)).toThrow(/schema id 9 unknown/);
    expect(() => decode(Buffer.from('x'), record)).toThrow(PayloadDecodeError);
  });
});
