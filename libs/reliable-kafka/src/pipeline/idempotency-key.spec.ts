import { MissingIdempotencyKeyError } from '../errors/non-retriable.error';
import { extractIdempotencyKey, type IdempotencyKeySource } from './idempotency-key';

function source(headers: Record<string, string> = {}, payload: unknown = {}): IdempotencyKeySource {
  return {
    topic: 'orders',
    partition: 2,
    offset: '41',
    key: null,
    value: null,
    headers,
    rawHeaders: {},
    timestamp: '0',
    payload,
  };
}

describe('extractIdempotencyKey', () => {
  it('uses the key function on the decoded payload', () => {
    const key = extractIdempotencyKey(source({}, { orderId: 7 }), { key: (m) => (m.payload as { orderId: number }).orderId }, 'h');
    expect(key).toBe('7');
  });

  it('is a non-retriable error when the key function returns nothing', () => {
    const run = () => extractIdempotencyKey(source(), { key: () => undefined }, 'Orders.handle');
    expect(run).toThrow(MissingIdempotencyKeyError);
    expect(run).toThrow(/Orders\.handle.*orders\[2\]@41/);
  });

  it('defaults to the idempotency-key header', () => {
    expect(extractIdempotencyKey(source({ 'idempotency-key': 'abc' }), {}, 'h')).toBe('abc');
  });

  it('falls back to topic/partition/offset without a header', () => {
    expect(extractIdempotencyKey(source(), {}, 'h')).toBe('orders/2/41');
  });

  it('with required: a missing header is an error, not a fallback', () => {
    expect(() => extractIdempotencyKey(source(), { required: true, header: 'x-id' }, 'h')).toThrow(/no "x-id" header/);
  });

  it('rejects keys longer than the dedup column', () => {
    expect(() => extractIdempotencyKey(source({ 'idempotency-key': 'k'.repeat(256) }), {}, 'h')).toThrow(/256 characters/);
  });
});
