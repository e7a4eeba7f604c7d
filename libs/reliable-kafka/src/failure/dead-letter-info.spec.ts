import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import { IDEMPOTENCY_KEY_HEADER } from '../reliable-kafka.constants';
import { originalIdempotencyKey, readDeadLetterInfo } from './dead-letter-info';
import { DeadLetterHeaders } from './dead-letter.headers';

const deadLetter = (extra: Record<string, string>): KafkaMessageRecord =>
  ({
    topic: 'orders.dlq',
    partition: 0,
    offset: '9',
    headers: {
      [DeadLetterHeaders.originalTopic]: 'orders',
      [DeadLetterHeaders.originalPartition]: '2',
      [DeadLetterHeaders.originalOffset]: '41',
      ...extra,
    },
  }) as unknown as KafkaMessageRecord;

describe('originalIdempotencyKey', () => {
  it("is the original record's idempotency-key header", () => {
    expect(originalIdempotencyKey(deadLetter({ [IDEMPOTENCY_KEY_HEADER]: 'order-7' }))).toBe(
      'order-7',
    );
  });

  it('is the original coordinates without the header, or with an empty one (as the consumer keyed it)', () => {
    expect(originalIdempotencyKey(deadLetter({}))).toBe('orders/2/41');
    expect(originalIdempotencyKey(deadLetter({ [IDEMPOTENCY_KEY_HEADER]: '' }))).toBe(
      'orders/2/41',
    );
  });

  it('is undefined for a record without dead-letter headers', () => {
    expect(
      originalIdempotencyKey({
        topic: 'orders',
        partition: 0,
        offset: '1',
        headers: {},
      } as unknown as KafkaMessageRecord),
    ).toBeUndefined();
  });

  it('is the original coordinates when the header could key nothing (not UTF-8, a NUL, too long), so the dead letter is still handled', () => {
    const withBytes = (bytes: Buffer) =>
      ({
        ...deadLetter({ [IDEMPOTENCY_KEY_HEADER]: bytes.toString('utf8') }),
        rawHeaders: { [IDEMPOTENCY_KEY_HEADER]: bytes },
      }) as KafkaMessageRecord;
    expect(originalIdempotencyKey(withBytes(Buffer.from([0x75, 0xff])))).toBe('orders/2/41');
    expect(originalIdempotencyKey(withBytes(Buffer.from('a\u0000b')))).toBe('orders/2/41');
    expect(originalIdempotencyKey(withBytes(Buffer.from('k'.repeat(256))))).toBe('orders/2/41');
    expect(originalIdempotencyKey(withBytes(Buffer.from('order-7')))).toBe('order-7');
  });
});

describe('readDeadLetterInfo', () => {
  it('reads the origin the library wrote', () => {
    expect(readDeadLetterInfo(deadLetter({}))).toMatchObject({
      originalTopic: 'orders',
      originalPartition: 2,
      originalOffset: '41',
    });
  });

  it('reads the original timestamp when it is one, and leaves it out when it is not', () => {
    const stamped = (timestamp: string) =>
      readDeadLetterInfo(deadLetter({ [DeadLetterHeaders.originalTimestamp]: timestamp }));
    expect(stamped('1700000000000')?.originalTimestamp).toBe('1700000000000');
    expect(stamped('-1')?.originalTimestamp).toBe('-1');
    for (const bad of ['yesterday', '017', '', '1.5', '9223372036854775808']) {
      expect(stamped(bad)).toMatchObject({ originalTopic: 'orders', originalTimestamp: undefined });
    }
  });

  it('is null for an origin not in the form the library writes: no NaN partition, no key shared by every such dead letter', () => {
    for (const [header, value] of [
      [DeadLetterHeaders.originalPartition, 'abc'],
      [DeadLetterHeaders.originalPartition, '02'],
      [DeadLetterHeaders.originalOffset, '-41'],
      [DeadLetterHeaders.originalOffset, '41.0'],
      [DeadLetterHeaders.originalTopic, 'my orders'],
    ]) {
      const record = deadLetter({ [header]: value });
      expect(readDeadLetterInfo(record)).toBeNull();
      expect(originalIdempotencyKey(record)).toBeUndefined();
    }
  });
});
