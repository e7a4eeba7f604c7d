import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import type { OutgoingRecord } from '../kafka/kafka-port';
import { DeadLetterHeaders } from './dead-letter.headers';
import { DeadLetterPublisher } from './dead-letter-publisher';

/** Publishes `record`'s failure and returns what was written, and where. */
async function deadLetter(
  record: KafkaMessageRecord,
  error: unknown,
): Promise<{ topic: string; written: OutgoingRecord }> {
  const sent: Array<{ topic: string; written: OutgoingRecord }> = [];
  const publisher = new DeadLetterPublisher({
    send: async (topic, records) => {
      sent.push(...records.map((written) => ({ topic, written })));
      return [];
    },
  });
  await publisher.publish(`${record.topic}.dlq`, record, {
    error,
    attempts: 1,
    groupId: 'dlq-group',
    handlerId: 'OrdersDeadLetters.onDeadLetter',
  });
  expect(sent).toHaveLength(1);
  return sent[0];
}

/** A dead letter on orders.dlq, as the first failure (a decode error) wrote it. */
const firstDeadLetter = (): KafkaMessageRecord => {
  const raw: Record<string, Buffer> = {
    'idempotency-key': Buffer.from([0x6f, 0xff]),
    traceparent: Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'),
    [DeadLetterHeaders.originalTopic]: Buffer.from('orders'),
    [DeadLetterHeaders.originalPartition]: Buffer.from('2'),
    [DeadLetterHeaders.originalOffset]: Buffer.from('41'),
    [DeadLetterHeaders.originalTimestamp]: Buffer.from('1690000000000'),
    [DeadLetterHeaders.consumerGroup]: Buffer.from('orders-group'),
    [DeadLetterHeaders.handler]: Buffer.from('Orders.place'),
    [DeadLetterHeaders.errorClass]: Buffer.from('PayloadDecodeError'),
    [DeadLetterHeaders.errorCode]: Buffer.from('RK_PAYLOAD_DECODE'),
    [DeadLetterHeaders.errorMessage]: Buffer.from('Payload is not valid JSON'),
    [DeadLetterHeaders.attempts]: Buffer.from('1'),
    [DeadLetterHeaders.failedAt]: Buffer.from('2026-01-01T00:00:00.000Z'),
  };
  return {
    topic: 'orders.dlq',
    partition: 0,
    offset: '9',
    key: Buffer.from('acct-1'),
    value: Buffer.from([0x7b, 0xff]),
    headers: Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.toString('utf8')])),
    rawHeaders: raw,
    timestamp: '1700000000000',
  };
};

const text = (headers: OutgoingRecord['headers'], name: string) => headers?.[name]?.toString();

describe('DeadLetterPublisher: a dead letter dead-lettered again', () => {
  it("carries the new failure's dlq-* headers only: no stale error code, no mix", async () => {
    const { topic, written } = await deadLetter(firstDeadLetter(), new Error('ledger closed'));

    expect(topic).toBe('orders.dlq.dlq');
    const dlqNames = Object.keys(written.headers ?? {}).filter((n) => n.startsWith('dlq-'));
    // Every name but dlq-error-code: the new error has no code, so the old one is gone.
    expect(dlqNames.sort()).toEqual(
      Object.values(DeadLetterHeaders)
        .filter((name) => name !== DeadLetterHeaders.errorCode)
        .sort(),
    );
    const h = written.headers;
    expect(text(h, DeadLetterHeaders.originalTopic)).toBe('orders.dlq');
    expect(text(h, DeadLetterHeaders.originalPartition)).toBe('0');
    expect(text(h, DeadLetterHeaders.originalOffset)).toBe('9');
    expect(text(h, DeadLetterHeaders.originalTimestamp)).toBe('1700000000000');
    expect(text(h, DeadLetterHeaders.consumerGroup)).toBe('dlq-group');
    expect(text(h, DeadLetterHeaders.handler)).toBe('OrdersDeadLetters.onDeadLetter');
    expect(text(h, DeadLetterHeaders.errorClass)).toBe('Error');
    expect(text(h, DeadLetterHeaders.errorMessage)).toBe('ledger closed');
    expect(text(h, DeadLetterHeaders.failedAt)).not.toBe('2026-01-01T00:00:00.000Z');
  });

  it("the new failure's own code replaces the old one; the record's other headers and bytes are kept", async () => {
    const error = Object.assign(new Error('ledger closed'), { code: 'E_LEDGER' });
    const { written } = await deadLetter(firstDeadLetter(), error);
    expect(text(written.headers, DeadLetterHeaders.errorCode)).toBe('E_LEDGER');
    expect(written.headers?.['idempotency-key']).toEqual(Buffer.from([0x6f, 0xff]));
    expect(text(written.headers, 'traceparent')).toMatch(/^00-4bf9/);
    expect(written.key).toEqual(Buffer.from('acct-1'));
    expect(written.value).toEqual(Buffer.from([0x7b, 0xff]));
  });
});
