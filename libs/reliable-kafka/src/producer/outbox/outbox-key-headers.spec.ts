import { SerializationError } from '../errors/producer.errors';
import { readKeyAndHeaders, storeKeyAndHeaders } from './outbox-key-headers';

/** Stored with the bytes form allowed (producer.outbox.binaryKeysAndHeaders: true). */
const store = (key: string | Buffer | null | undefined, headers: Record<string, string | Buffer>) =>
  storeKeyAndHeaders('out', key, headers, true);

const roundTrip = (key: string | Buffer | null, headers: Record<string, string | Buffer>) => {
  const stored = store(key, headers);
  return { stored, read: readKeyAndHeaders(stored.messageKey, stored.headers) };
};

/** What goes on the wire: kafkajs writes a string as its UTF-8 bytes. */
const wire = (value: string | Buffer | null) =>
  value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');

describe('the outbox keeps keys and headers byte for byte', () => {
  it('two keys and headers that differ only in bytes that are not UTF-8 stay two', () => {
    const first = roundTrip(Buffer.from([0x75, 0xff]), { tag: Buffer.from([0x75, 0xff]) });
    const second = roundTrip(Buffer.from([0x75, 0xfe]), { tag: Buffer.from([0x75, 0xfe]) });
    expect(wire(first.read.key)).toEqual(Buffer.from([0x75, 0xff]));
    expect(wire(second.read.key)).toEqual(Buffer.from([0x75, 0xfe]));
    expect(wire(first.read.headers.tag)).toEqual(Buffer.from([0x75, 0xff]));
    expect(wire(second.read.headers.tag)).toEqual(Buffer.from([0x75, 0xfe]));
    // Rows of different keys are never taken for one key when the relay keeps their order.
    expect(first.stored.messageKey).not.toBe(second.stored.messageKey);
  });

  it('text stays text, in the form earlier versions wrote: a string, and bytes that are UTF-8', () => {
    const { stored, read } = roundTrip(Buffer.from('acct-1 €'), {
      'idempotency-key': 'order-7',
      note: Buffer.from('Zoë'),
    });
    expect(stored).toEqual({
      messageKey: 'acct-1 €',
      headers: JSON.stringify({ 'idempotency-key': 'order-7', note: 'Zoë' }),
    });
    expect(wire(read.key)).toEqual(Buffer.from('acct-1 €'));
    expect(wire(read.headers.note)).toEqual(Buffer.from('Zoë'));
  });

  it('a text key beside a binary header, a binary key beside text headers, no key, no headers', () => {
    const binary = Buffer.from([0x00, 0xc0, 0x80, 0xed, 0xa0, 0x80]);
    const a = roundTrip('acct-1', { trace: binary, 'idempotency-key': 'k' });
    expect(a.read).toEqual({ key: 'acct-1', headers: { trace: binary, 'idempotency-key': 'k' } });
    const b = roundTrip(binary, { 'idempotency-key': 'k' });
    expect(b.read).toEqual({ key: binary, headers: { 'idempotency-key': 'k' } });
    expect(roundTrip(null, {}).read).toEqual({ key: null, headers: {} });
    expect(readKeyAndHeaders(null, store(undefined, { x: binary }).headers).key).toBe(null);
  });

  it('reads rows an earlier version wrote (the text form) as it wrote them', () => {
    const earlier = JSON.stringify({ 'idempotency-key': 'order-7', bytes: 'b', note: 'bytes:x' });
    expect(readKeyAndHeaders('acct-1', earlier)).toEqual({
      key: 'acct-1',
      headers: { 'idempotency-key': 'order-7', bytes: 'b', note: 'bytes:x' },
    });
  });

  it('a relay of an earlier version fails on the bytes form instead of sending other bytes', () => {
    const { headers } = store(Buffer.from([0xff]), { tag: Buffer.from([0xfe]) });
    expect(() => JSON.parse(headers)).toThrow(SyntaxError); // what an earlier relay does with it
  });

  it('a header named __proto__ is a header like any other, in both forms', () => {
    const headers = Object.fromEntries([['__proto__', 'p']]) as Record<string, string | Buffer>;
    const text = roundTrip('k', headers).read.headers;
    expect(Object.keys(text)).toEqual(['__proto__']);
    const bytes = roundTrip(Buffer.from([0xff]), headers).read.headers;
    expect(Object.keys(bytes)).toEqual(['__proto__']);
    expect(bytes['__proto__']).toBe('p');
  });
});

describe('the outbox before the app opts in to the bytes form (relays of an earlier version may run)', () => {
  const refusal = (key: string | Buffer | null, headers: Record<string, string | Buffer>) => {
    try {
      storeKeyAndHeaders('out', key, headers, false);
    } catch (error) {
      return error as SerializationError;
    }
    throw new Error('stored');
  };

  it('refuses a key or header that is not UTF-8 text with SerializationError, naming it, never quoting it', () => {
    const key = refusal(Buffer.from([0x6b, 0xff]), { 'idempotency-key': 'k' });
    expect(key).toBeInstanceOf(SerializationError);
    expect(key).toMatchObject({ code: 'RK_SERIALIZATION', topic: 'out' });
    expect(key.message).toBe(
      'A message for "out" could not be serialized: its key is bytes that are not UTF-8 text, which the outbox stores only with producer.outbox.binaryKeysAndHeaders: true (turn it on once every instance that relays runs a version that reads such rows)',
    );
    const header = refusal('acct-1', { note: 'n', trace: Buffer.from([0x00, 0xc0, 0x80]) });
    expect(header.message).toContain('its header "trace" is bytes that are not UTF-8 text');
  });

  it('stores text in the text form every relay reads, as with the opt-in', () => {
    const headers = { 'idempotency-key': 'order-7', note: Buffer.from('Zoë') };
    expect(storeKeyAndHeaders('out', Buffer.from('acct-1 €'), headers, false)).toEqual(
      store(Buffer.from('acct-1 €'), headers),
    );
  });
});
