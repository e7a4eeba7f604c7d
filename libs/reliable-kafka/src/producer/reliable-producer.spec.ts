import { UnknownPartitionError } from '../errors/unknown-partition.error';
import type { KafkaClientFactory } from '../kafka/port/client-factory';
import type { OutgoingRecord, ProducerClient, RecordOutcome } from '../kafka/port/producer-client';
import { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import type { ProducerOptions } from '../options/producer.options';
import { resolveOptions } from '../options/reliable-kafka.options-resolver';
import { ReliableProducer } from './reliable-producer';

/**
 * A topic of two partitions behind a fake client: each attempt answers what `answer` says of
 * each record; the records of every attempt are kept in `attempts`.
 */
function producerOver(answer: (record: OutgoingRecord, attempt: number) => RecordOutcome) {
  const attempts: OutgoingRecord[][] = [];
  const client: ProducerClient = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    sendOnce: async (_topic, records) => {
      attempts.push(records);
      return records.map((record) => answer(record, attempts.length));
    },
    isTransient: () => false,
    isUnknownTopic: () => false,
  };
  const clients = { createProducer: () => client } as unknown as KafkaClientFactory;
  const fallen: unknown[] = [];
  const producer: ProducerOptions = {
    lingerMs: 5,
    retryBackoffMs: 1,
    fallback: async ({ message }) => void fallen.push(message.value),
  };
  const options = resolveOptions({
    client: { brokers: ['127.0.0.1:9092'] },
    consumer: { groupId: 'g' },
    producer,
  });
  const events = new ReliableKafkaEvents();
  return { producer: new ReliableProducer(options, clients, events), attempts, fallen, events };
}

const writtenTo = (partition: number, offset: string): RecordOutcome => ({
  status: 'sent',
  sent: { topic: 'orders', partition, offset },
});

describe('ReliableProducer: each record of a batch settled on its own', () => {
  it("one caller's partition the topic does not have fails that record only; the batch's other records resolve", async () => {
    const { producer, attempts, fallen, events } = producerOver((record) =>
      record.partition === 5
        ? { status: 'failed', error: new UnknownPartitionError('orders', 5) }
        : writtenTo(record.partition ?? 0, '10'),
    );
    const failedEvents: unknown[] = [];
    events.on('produce-failed', (e) => failedEvents.push(e.error));

    // Three callers within one linger: one batch.
    const [first, wrong, third] = await Promise.allSettled([
      producer.send('orders', { key: 'a', value: 'first', partition: 0 }),
      producer.send('orders', { key: 'b', value: 'wrong', partition: 5 }),
      producer.send('orders', { key: 'c', value: 'third', partition: 1 }),
    ]);

    expect(first).toMatchObject({ status: 'fulfilled', value: { partition: 0, offset: '10' } });
    expect(third).toMatchObject({ status: 'fulfilled', value: { partition: 1, offset: '10' } });
    expect(wrong).toMatchObject({ status: 'rejected', reason: expect.any(UnknownPartitionError) });
    const error = (wrong as PromiseRejectedResult).reason;
    expect(attempts).toHaveLength(1);
    expect(attempts[0].map((r) => r.value)).toEqual(['first', 'wrong', 'third']);
    expect(failedEvents).toEqual([error]);
    expect(fallen).toEqual(['wrong']);
  });
});
