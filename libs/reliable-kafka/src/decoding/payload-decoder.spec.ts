import { PayloadDecodeError } from '../errors/non-retriable.error';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import { resolvePayloadDecoder } from './payload-decoder';

const record = {} as KafkaMessageRecord;

/** The error a decoder throws for `bytes`; fails the test when it throws none. */
function decodeError(decoder: 'json' | 'string', bytes: Buffer): PayloadDecodeError {
  try {
    resolvePayloadDecoder(decoder)(bytes, record);
  } catch (error) {
    expect(error).toBeInstanceOf(PayloadDecodeError);
    return error as PayloadDecodeError;
  }
  throw new Error(`${decoder} decoded ${bytes.toString('hex')} without an error`);
}

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

  it('invalid UTF-8 is a decode error in json and string, never replaced: two orders stay two', () => {
    // The orders of the report: both decoded to orderId "u8-\ufffd" and the second was skipped.
    const first = Buffer.concat([
      Buffer.from('{"orderId":"u8-'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    const second = Buffer.concat([
      Buffer.from('{"orderId":"u8-'),
      Buffer.from([0xfe]),
      Buffer.from('"}'),
    ]);
    for (const decoder of ['json', 'string'] as const) {
      expect(decodeError(decoder, first).message).toBe(
        'Payload is not valid UTF-8: invalid byte sequence at byte offset 15 of 18',
      );
      expect(decodeError(decoder, second).message).toMatch(/byte offset 15 of 18$/);
    }
  });

  it('the string decoder keeps a byte order mark: it is part of the text', () => {
    const withMark = Buffer.from([0xef, 0xbb, 0xbf, 0x41]);
    expect(resolvePayloadDecoder('string')(withMark, record)).toBe('\uFEFFA');
  });

  it('a JSON syntax error says where and how long, never what the payload said', () => {
    const cases: Array<[string, RegExp]> = [
      [
        '{"name":"Alice Smith",}',
        /^Payload is not valid JSON: syntax error at byte offset 22 of 23$/,
      ],
      ['{"name":"Älice",}', /^Payload is not valid JSON: syntax error at byte offset 17 of 18$/],
      ['{"name": Alice Smith}', /^Payload is not valid JSON: syntax error in a value of 21 bytes$/],
      ['{"name":"Alice', /^Payload is not valid JSON: .* of 14$/],
      ['Alice Smith', /^Payload is not valid JSON: syntax error in a value of 11 bytes$/],
    ];
    for (const [payload, expected] of cases) {
      const error = decodeError('json', Buffer.from(payload));
      expect(error.message).toMatch(expected);
      expect(error.message).not.toMatch(/Alice|lice|name/);
      // Not as a cause either: JSON.parse's own error quotes the text.
      expect(error.cause).toBeUndefined();
    }
  });

  it('a custom decoder that throws is a decode failure that names the class and keeps the error as cause', () => {
    const thrown = new RangeError('schema id 9 unknown in "Alice Smith"');
    const decode = resolvePayloadDecoder(() => {
      throw thrown;
    });
    let error: unknown;
    try {
      decode(Buffer.from('xyz'), record);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PayloadDecodeError);
    expect((error as Error).message).toBe(
      'Payload decoder failed on a value of 3 bytes: RangeError',
    );
    expect((error as Error).cause).toBe(thrown);
  });

  it("a custom decoder's own PayloadDecodeError is taken as it was written", () => {
    const own = new PayloadDecodeError('schema id 9 unknown');
    const decode = resolvePayloadDecoder(() => {
      throw own;
    });
    expect(() => decode(Buffer.from('x'), record)).toThrow(own);
  });
});
