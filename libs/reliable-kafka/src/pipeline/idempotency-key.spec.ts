import {
  IdempotencyKeyFunctionError,
  MalformedRecordOriginError,
  MissingIdempotencyKeyError,
  PayloadDecodeError,
} from '../errors/non-retriable.error';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import { extractIdempotencyKey, type IdempotencyKeyFn } from './idempotency-key';

function record(headers: Record<string, string> = {}): KafkaMessageRecord {
  const rawHeaders = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, Buffer.from(value)]),
  );
  return {
    topic: 'orders',
    partition: 2,
    offset: '41',
    key: null,
    value: null,
    headers,
    rawHeaders,
    timestamp: '0',
  };
}

/** A record whose idempotency-key header holds these bytes, decoded leniently as Kafka clients do. */
function withKeyBytes(bytes: Buffer): KafkaMessageRecord {
  return {
    ...record(),
    headers: { 'idempotency-key': bytes.toString('utf8') },
    rawHeaders: { 'idempotency-key': bytes },
  };
}

const keyOf = (key: IdempotencyKeyFn, payload: unknown = {}) =>
  extractIdempotencyKey(record(), payload, { key }, 'Orders.handle');

/** The error the key function's result gives; fails the test when there is none. */
function refusal(key: IdempotencyKeyFn, payload: unknown = {}): Error {
  try {
    keyOf(key, payload);
  } catch (error) {
    return error as Error;
  }
  throw new Error('the key was accepted');
}

describe('extractIdempotencyKey', () => {
  it('uses the key function on the decoded payload', () => {
    const key = extractIdempotencyKey(
      record(),
      { orderId: 7 },
      { key: (m) => (m.payload as { orderId: number }).orderId },
      'h',
    );
    expect(key).toBe('7');
  });

  it('is a non-retriable error when the key function returns nothing', () => {
    const run = () =>
      extractIdempotencyKey(record(), {}, { key: () => undefined }, 'Orders.handle');
    expect(run).toThrow(MissingIdempotencyKeyError);
    expect(run).toThrow(/Orders\.handle.*orders\[2\]@41/);
  });

  it('defaults to the idempotency-key header', () => {
    expect(extractIdempotencyKey(record({ 'idempotency-key': 'abc' }), {}, {}, 'h')).toBe('abc');
  });

  it('falls back to topic/partition/offset without a header', () => {
    expect(extractIdempotencyKey(record(), {}, {}, 'h')).toBe('orders/2/41');
  });

  it('on a retry topic: the fallback and a key function see the coordinates where the record first arrived', () => {
    const moved = {
      ...record({
        'retry-original-topic': 'orders',
        'retry-original-partition': '5',
        'retry-original-offset': '900',
      }),
      topic: 'orders.retry.1',
      offset: '3',
    };
    expect(extractIdempotencyKey(moved, {}, {}, 'h')).toBe('orders/5/900');
    expect(extractIdempotencyKey(moved, {}, { key: (m) => `${m.topic}:${m.offset}` }, 'h')).toBe(
      'orders:900',
    );
  });

  describe('stray or malformed origin headers (a forwarded record copies every header)', () => {
    const strays: Array<Record<string, string>> = [
      { 'retry-original-timestamp': '1700000000000' },
      { 'retry-original-topic': 'orders', 'retry-original-partition': 'abc' },
      {
        'retry-original-topic': 'orders',
        'retry-original-partition': '5',
        'retry-original-offset': '01',
      },
    ];

    it.each(strays)('are ignored when the key comes from the key header: %j', (stray) => {
      const forwarded = record({ ...stray, 'idempotency-key': 'order-7' });
      expect(extractIdempotencyKey(forwarded, {}, {}, 'h')).toBe('order-7');
      expect(extractIdempotencyKey(forwarded, {}, { header: 'idempotency-key' }, 'h')).toBe(
        'order-7',
      );
      // A refusal of the header's key names the record where it is read.
      const tooLong = record({ ...stray, 'idempotency-key': 'k'.repeat(256) });
      expect(() => extractIdempotencyKey(tooLong, {}, {}, 'h')).toThrow(
        /idempotency key of orders\[2\]@41 is 256 characters/,
      );
      expect(() => extractIdempotencyKey(record(stray), {}, { required: true }, 'h')).toThrow(
        MissingIdempotencyKeyError,
      );
    });

    it.each(strays)(
      'fail the coordinates key and a key function, which would key by them: %j',
      (stray) => {
        expect(() => extractIdempotencyKey(record(stray), {}, {}, 'h')).toThrow(
          MalformedRecordOriginError,
        );
        const keyFn = { key: () => 'order-7' };
        expect(() => extractIdempotencyKey(record(stray), {}, keyFn, 'h')).toThrow(
          MalformedRecordOriginError,
        );
      },
    );
  });

  it('with required: a missing header is an error, not a fallback', () => {
    expect(() =>
      extractIdempotencyKey(record(), {}, { required: true, header: 'x-id' }, 'h'),
    ).toThrow(/no "x-id" header/);
  });

  it('rejects keys longer than the dedup column', () => {
    expect(() =>
      extractIdempotencyKey(record({ 'idempotency-key': 'k'.repeat(256) }), {}, {}, 'h'),
    ).toThrow(/256 characters/);
  });

  it('a header that is not UTF-8 is a decode error, never a key with U+FFFD in it', () => {
    // Both would read as "u8-\uFFFD": the second would be skipped as a duplicate of the first.
    for (const last of [0xff, 0xfe]) {
      const bytes = Buffer.concat([Buffer.from('u8-'), Buffer.from([last])]);
      const run = () => extractIdempotencyKey(withKeyBytes(bytes), {}, {}, 'h');
      expect(run).toThrow(PayloadDecodeError);
      expect(run).toThrow(
        'Header "idempotency-key" is not valid UTF-8: invalid byte sequence at byte offset 3 of 4',
      );
    }
  });

  it('a key with a NUL character is refused, from a header or a key function', () => {
    const nul = 'order\u00007';
    expect(() => extractIdempotencyKey(record({ 'idempotency-key': nul }), {}, {}, 'h')).toThrow(
      MissingIdempotencyKeyError,
    );
    expect(() => keyOf(() => nul)).toThrow(/contains a NUL character/);
  });

  it('a key function that throws: IdempotencyKeyFunctionError, naming the handler and the record, not quoting the payload', () => {
    const thrown = new TypeError('cannot read "Alice Smith"');
    const error = refusal(() => {
      throw thrown;
    });
    expect(error).toBeInstanceOf(IdempotencyKeyFunctionError);
    expect((error as IdempotencyKeyFunctionError).code).toBe('RK_IDEMPOTENCY_KEY_FUNCTION');
    expect(error.message).toBe(
      'Handler Orders.handle: its @Idempotent key function failed for orders[2]@41 (TypeError)',
    );
    expect(error.cause).toBe(thrown);
  });

  it.each<[string, unknown]>([
    ['an object (every object would be "[object Object]")', { id: 1 }],
    ['an array ([1, 2] and "1,2" would be one key)', [1, 2]],
    ['a boolean (all records would share two keys)', true],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a fraction (1.0000000000000001 parses as 1)', 1.5],
    ['an integer past 2^53 (JSON.parse rounds it to its neighbour)', 2 ** 53 + 2],
    ['a symbol', Symbol('k')],
    ['a function', () => 'k'],
    ['a string with a lone surrogate (stored as U+FFFD)', 'k\uD800'],
  ])('refuses %s as a key: IdempotencyKeyFunctionError', (_what, value) => {
    const error = refusal(() => value as string);
    expect(error).toBeInstanceOf(IdempotencyKeyFunctionError);
    expect(error.message).toMatch(
      /^Handler Orders\.handle: its @Idempotent key function returned .* for orders\[2\]@41; return a string or a safe integer$/,
    );
  });

  it('takes strings as they are (whitespace and case are significant), safe integers and bigints as their digits', () => {
    expect(keyOf(() => ' order-7 ')).toBe(' order-7 ');
    expect(keyOf(() => 'Order-7')).not.toBe(keyOf(() => 'order-7'));
    expect(keyOf(() => '   ')).toBe('   ');
    expect(keyOf(() => 'e\u0301')).not.toBe(keyOf(() => '\u00e9'));
    // Documented: a number is its decimal digits, so 7 and "7" are one key.
    expect(keyOf(() => 7)).toBe('7');
    expect(keyOf(() => '7')).toBe('7');
    expect(keyOf(() => -(2 ** 53 - 1))).toBe('-9007199254740991');
    expect(keyOf(() => (2n ** 64n) as unknown as number)).toBe('18446744073709551616');
  });

  it('an empty string, null or undefined is no key', () => {
    for (const none of ['', null, undefined]) {
      expect(() => keyOf(() => none)).toThrow(MissingIdempotencyKeyError);
    }
  });

  it('a Buffer (the record key) is decoded strictly: invalid UTF-8 is a decode error', () => {
    const keyed = (bytes: Buffer) =>
      extractIdempotencyKey({ ...record(), key: bytes }, {}, { key: (m) => m.key }, 'h');
    expect(keyed(Buffer.from('order-7'))).toBe('order-7');
    expect(() => keyed(Buffer.from([0x6b, 0xff]))).toThrow(PayloadDecodeError);
    expect(() => keyed(Buffer.alloc(0))).toThrow(MissingIdempotencyKeyError);
  });
});
