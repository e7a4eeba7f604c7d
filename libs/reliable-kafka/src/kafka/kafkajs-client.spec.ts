import type { KafkaMessage } from 'kafkajs';
import { RetryTopicHeaders, withoutRetryHeaders } from '../failure/retry-topics';
import { toMessageRecord } from './kafkajs-client';

function message(headers: KafkaMessage['headers']): KafkaMessage {
  return { key: Buffer.from('k'), value: Buffer.from('v'), offset: '7', timestamp: '1', attributes: 0, headers } as KafkaMessage;
}

describe('toMessageRecord', () => {
  it('keeps a header whose name is a property of plain objects as an ordinary entry', () => {
    // kafkajs decodes headers with computed keys, so these arrive as own properties.
    const given = { ['__proto__']: Buffer.from('p'), constructor: Buffer.from('c'), trace: Buffer.from('t') };
    const record = toMessageRecord('orders', 3, message(given));

    expect(Object.keys(record.rawHeaders).sort()).toEqual(['__proto__', 'constructor', 'trace']);
    expect(record.headers['__proto__']).toBe('p');
    expect(record.headers.constructor).toBe('c');
    expect(record.rawHeaders['__proto__']?.toString()).toBe('p');
  });

  it('takes the last value of a repeated header, as Kafka lastHeader() does', () => {
    const record = toMessageRecord('orders', 0, message({ tenant: [Buffer.from('a'), Buffer.from('b')] }));
    expect(record.headers.tenant).toBe('b');
  });

  it('gives a header without a value as undefined in both maps', () => {
    const record = toMessageRecord('orders', 0, message({ empty: undefined }));
    expect(Object.keys(record.headers)).toEqual(['empty']);
    expect(record.headers.empty).toBeUndefined();
    expect(record.rawHeaders.empty).toBeUndefined();
  });
});

describe('withoutRetryHeaders', () => {
  it('carries a header named __proto__ to the record it builds (dead-letter and retry topics)', () => {
    const record = toMessageRecord('orders', 0, message({ ['__proto__']: Buffer.from('p'), [RetryTopicHeaders.attempts]: Buffer.from('2') }));
    const carried = withoutRetryHeaders(record.rawHeaders);
    expect(Object.keys(carried)).toEqual(['__proto__']);
    expect(carried['__proto__']?.toString()).toBe('p');
  });
});
