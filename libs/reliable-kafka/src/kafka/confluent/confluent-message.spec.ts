import { toConfluentMessage } from './confluent-message';
import { UnsendableHeaderError } from './unsendable-header.error';

describe('toConfluentMessage', () => {
  it('gives every field as bytes: strings as UTF-8, buffers as they are, null as null', () => {
    const key = Buffer.from([0x00, 0xff]);
    const message = toConfluentMessage('orders', {
      key,
      value: 'é',
      headers: { trace: 'abc', raw: Buffer.from([0x80]) },
      partition: 2,
    });
    expect(message.key).toBe(key);
    expect(message.value).toEqual(Buffer.from([0xc3, 0xa9]));
    expect(message.headers).toEqual({ trace: Buffer.from('abc'), raw: Buffer.from([0x80]) });
    expect(message.partition).toBe(2);
    expect(toConfluentMessage('orders', { key: null, value: null })).toEqual({
      key: null,
      value: null,
    });
  });

  it('keeps empty bytes empty, as a zero-length view that librdkafka writes as empty, not null', () => {
    const message = toConfluentMessage('orders', {
      key: '',
      value: Buffer.alloc(0),
      headers: { empty: Buffer.from('') },
    });
    for (const bytes of [message.key, message.value, message.headers?.empty]) {
      expect(bytes).toEqual(Buffer.alloc(0));
      expect(bytes?.buffer.byteLength).toBeGreaterThan(0);
    }
  });

  it('refuses a header named __proto__ with a typed error naming it, before anything is sent', () => {
    const headers = Object.create(null) as Record<string, Buffer>;
    Object.defineProperty(headers, '__proto__', { value: Buffer.from('p'), enumerable: true });
    expect(() => toConfluentMessage('orders', { key: 'k', value: 'v', headers })).toThrow(
      new UnsendableHeaderError('orders', '__proto__'),
    );
  });
});
