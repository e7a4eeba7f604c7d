import { RetryTopicHeaders, withoutRetryHeaders } from '../failure/retry-topics';
import { type FetchedMessage, toMessageRecord } from './fetched-message-record';

function message(headers: FetchedMessage['headers']): FetchedMessage {
  return {
    key: Buffer.from('k'),
    value: Buffer.from('v'),
    offset: '7',
    timestamp: '1',
    headers,
  };
}

describe('toMessageRecord', () => {
  it('keeps a header whose name is a property of plain objects as an ordinary entry', () => {
    // What kafkajs's decoder gives for these names: it merges repeated names with
    // `obj[key] === undefined ? value : [obj[key], value]` into a plain object, so the inherited
    // Object.prototype and Object come first, in an array under an own (computed) key.
    const given = {
      ['__proto__']: [Object.prototype, Buffer.from('p')],
      constructor: [Object, Buffer.from('c')],
      trace: Buffer.from('t'),
    };
    const record = toMessageRecord(
      'orders',
      3,
      message(given as unknown as FetchedMessage['headers']),
    );

    expect(Object.keys(record.rawHeaders).sort()).toEqual(['__proto__', 'constructor', 'trace']);
    expect(record.headers['__proto__']).toBe('p');
    expect(record.headers.constructor).toBe('c');
    expect(record.rawHeaders['__proto__']?.toString()).toBe('p');
  });

  it('takes the last value of a repeated header, as Kafka lastHeader() does', () => {
    const record = toMessageRecord(
      'orders',
      0,
      message({ tenant: [Buffer.from('a'), Buffer.from('b')] }),
    );
    expect(record.headers.tenant).toBe('b');
  });

  it('keeps a header without a value (null on the wire, as kafkajs decodes it) as undefined in both maps', () => {
    const record = toMessageRecord(
      'orders',
      0,
      message({ empty: null } as unknown as FetchedMessage['headers']),
    );
    expect(Object.keys(record.headers)).toEqual(['empty']);
    expect(record.headers.empty).toBeUndefined();
    expect(record.rawHeaders.empty).toBeUndefined();
  });
});

describe('withoutRetryHeaders', () => {
  it('keeps every header with a value but the retry bookkeeping, one named __proto__ too', () => {
    const given = {
      ['__proto__']: Buffer.from('p'),
      empty: null,
      [RetryTopicHeaders.attempts]: Buffer.from('2'),
    };
    const record = toMessageRecord(
      'orders',
      0,
      message(given as unknown as FetchedMessage['headers']),
    );
    const carried = withoutRetryHeaders(record.rawHeaders);
    expect(Object.keys(carried)).toEqual(['__proto__']);
    expect(carried['__proto__']?.toString()).toBe('p');
  });
});
