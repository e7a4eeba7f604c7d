import { MissingIdempotencyKeyError } from '../errors/non-retriable.error';
import type { KafkaMessageRecord } from '../consumer/kafka-message-record';
import { extractIdempotencyKey } from './idempotency-key';

function record(headers: Record<string, string> = {}): KafkaMessageRecord {
  return {
    topic: 'orders',
    partition: 2,
    offset: '41',
    key: null,
    value: null,
    headers,
    rawHeaders: {},
    timestamp: '0',
  };
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
});
