import { SerializationError } from './errors/producer.errors';
import { identityHeaders } from './record-encoding';

const withHeaders = (headers: Record<string, string | Buffer>) =>
  identityHeaders('orders', { value: 'v', headers }, undefined);

describe('identityHeaders', () => {
  it('two different key headers as bytes are never one key: bytes that are not UTF-8 are refused', () => {
    // Read leniently, both were "u\uFFFD", sent as the same bytes: one key for two records.
    for (const bytes of [Buffer.from([0x75, 0xff]), Buffer.from([0x75, 0xfe])]) {
      const read = () => withHeaders({ 'idempotency-key': bytes });
      expect(read).toThrow(SerializationError);
      expect(read).toThrow(
        'A message for "orders" could not be serialized: Header "idempotency-key" is not valid UTF-8: invalid byte sequence at byte offset 1 of 2',
      );
    }
    expect(() => withHeaders({ 'message-id': Buffer.from([0xc0, 0x80]) })).toThrow(
      SerializationError,
    );
  });

  it('a key header as UTF-8 bytes is that text, sent as the same bytes', () => {
    const bytes = Buffer.from('order-7 €', 'utf8');
    const { idempotencyKey, headers } = withHeaders({ 'idempotency-key': bytes });
    expect(idempotencyKey).toBe('order-7 €');
    expect(Buffer.from(headers['idempotency-key'])).toEqual(bytes);
  });

  it('a key with a lone surrogate is refused: encoded, "\\uD800" and "\\uD801" would be the same bytes', () => {
    const send = (idempotencyKey: string) =>
      identityHeaders('orders', { value: 'v', idempotencyKey }, undefined);
    expect(() => send('order-\uD800')).toThrow(SerializationError);
    expect(() => send('order-\uD801')).toThrow(/"idempotency-key" has a lone surrogate/);
    expect(() => identityHeaders('orders', { value: 'v' }, () => 'k\uDC00')).toThrow(
      SerializationError,
    );
    expect(send('order-𝄞').idempotencyKey).toBe('order-𝄞');
  });

  it('sends every other header as given, bytes included', () => {
    const binary = Buffer.from([0x00, 0xff, 0xfe]);
    const { headers } = withHeaders({ 'idempotency-key': 'k', trace: binary });
    expect(headers.trace).toBe(binary);
  });
});
