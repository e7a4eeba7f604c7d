import { UnknownPartitionError } from '../errors/unknown-partition.error';
import { KafkajsProducerClient } from '../kafka/kafkajs/kafkajs-producer-client';
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

/** What kafkajs's producer.send is given, as far as the fake below reads it. */
interface ProduceRequest {
  topic: string;
  messages: { partition?: number; value: unknown }[];
}

/**
 * kafkajs over a topic that grew from 1 to 2 partitions: the broker lists both, kafkajs's own
 * metadata lists partition 1 only from its `knowsFrom`-th send on, and before that leaves its
 * records out of the request and out of the answer, as kafkajs does.
 */
function kafkajsThatLearnsLate(knowsFrom: number) {
  const requests: ProduceRequest[] = [];
  const offsets = new Map<number, number>();
  const partitions = [0, 1].map((partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
  const kafka = {
    producer: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      async send(request: ProduceRequest) {
        requests.push(request);
        const known = (p: number) => p === 0 || requests.length >= knowsFrom;
        const written = [...new Set(request.messages.map((m) => m.partition as number))];
        return written.filter(known).map((partition) => {
          const count = request.messages.filter((m) => m.partition === partition).length;
          const baseOffset = offsets.get(partition) ?? 0;
          offsets.set(partition, baseOffset + count);
          return {
            topicName: request.topic,
            partition,
            errorCode: 0,
            baseOffset: String(baseOffset),
          };
        });
      },
    }),
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({
        topics: [{ name: topics[0], partitions }],
      }),
    }),
  } as unknown as ConstructorParameters<typeof KafkajsProducerClient>[0];
  return { kafka, requests };
}

describe('ReliableProducer: a batch partly written, partly left out by a client whose metadata is older', () => {
  it('resolves the written records at once and sends the skipped ones alone again until written, never the written twice', async () => {
    const broker = kafkajsThatLearnsLate(3);
    const options = resolveOptions({
      client: { brokers: ['127.0.0.1:9092'] },
      consumer: { groupId: 'g' },
      producer: { lingerMs: 5, retryBackoffMs: 1 },
    });
    const clients = {
      createProducer: (settings: ConstructorParameters<typeof KafkajsProducerClient>[1]) =>
        new KafkajsProducerClient(broker.kafka, settings),
    } as unknown as KafkaClientFactory;
    const producer = new ReliableProducer(options, clients, new ReliableKafkaEvents());

    const resolvedInTurn: string[] = [];
    const promises = producer.sendAsync('orders', [
      { key: 'a', value: 'on 0', partition: 0 },
      { key: 'b', value: 'on 1', partition: 1 },
      { key: 'c', value: 'on 0 too', partition: 0 },
    ]);
    promises.forEach((p, i) => p.then(() => resolvedInTurn.push(['a', 'b', 'c'][i])));
    const sent = await Promise.all(promises);

    expect(sent.map(({ partition, offset }) => [partition, offset])).toEqual([
      [0, '0'],
      [1, '0'],
      [0, '1'],
    ]);
    // The records written by the first request did not wait for the resends of the other.
    expect(resolvedInTurn).toEqual(['a', 'c', 'b']);
    // The first request wrote partition 0; the record of partition 1 went alone after it.
    expect(broker.requests.map((r) => r.messages.map((m) => m.value))).toEqual([
      ['on 0', 'on 1', 'on 0 too'],
      ['on 1'],
      ['on 1'],
    ]);
  });
});
