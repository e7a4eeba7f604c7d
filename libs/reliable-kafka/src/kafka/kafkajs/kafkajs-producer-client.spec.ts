import type {
  Kafka,
  PartitionMetadata,
  ProducerConfig,
  ProducerRecord,
  RecordMetadata,
} from 'kafkajs';
import { UnknownPartitionError } from '../../errors/unknown-partition.error';
import type { RecordOutcome } from '../kafka-port';
import { KafkajsProducerClient } from './kafkajs-producer-client';

/**
 * A kafkajs client whose admin lists the given partition counts in turn and whose producer writes
 * what it is given, or, with `skipsAll`, leaves every partition out as kafkajs does for one its
 * own metadata lacks.
 */
function kafkaWith(partitionCounts: number[], skipsAll = false) {
  const sent: ProducerRecord[] = [];
  const producerConfigs: ProducerConfig[] = [];
  let metadataRequests = 0;
  const partitions = (count: number): PartitionMetadata[] =>
    Array.from({ length: count }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
    }));
  const kafka = {
    producer: (config: ProducerConfig) => (
      producerConfigs.push(config),
      {
        connect: async () => undefined,
        disconnect: async () => undefined,
        async send(record: ProducerRecord): Promise<RecordMetadata[]> {
          sent.push(record);
          if (skipsAll) return [];
          const written = [...new Set(record.messages.map((m) => m.partition as number))];
          return written.map((partition) => ({
            topicName: record.topic,
            partition,
            errorCode: 0,
            baseOffset: '0',
          }));
        },
      }
    ),
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      async fetchTopicMetadata({ topics }: { topics: string[] }) {
        const count = partitionCounts[Math.min(metadataRequests++, partitionCounts.length - 1)];
        return { topics: [{ name: topics[0], partitions: partitions(count) }] };
      },
    }),
  } as unknown as Kafka;
  return { kafka, sent, producerConfigs, metadataRequests: () => metadataRequests };
}

const settings = {
  deliveryTimeoutMs: 120_000,
  acks: -1 as const,
  idempotent: true,
  maxInFlightRequests: 1,
  requestTimeoutMs: 30_000,
  retryBackoffMs: 100,
};

describe('KafkajsProducerClient', () => {
  it('a record naming a partition the topic does not have fails alone with UnknownPartitionError: the other records of the send are written', async () => {
    const broker = kafkaWith([2]);
    const client = new KafkajsProducerClient(broker.kafka, settings);
    const records = [
      { key: 'a', value: 'x', partition: 0 },
      { key: 'b', value: 'y', partition: 5 },
      { key: 'c', value: 'z', partition: 1 },
    ];

    const [first, fifth, second] = await client.sendOnce('orders', records);

    expect(first).toEqual({ status: 'sent', sent: { topic: 'orders', partition: 0, offset: '0' } });
    expect(second).toEqual({
      status: 'sent',
      sent: { topic: 'orders', partition: 1, offset: '0' },
    });
    expect(fifth).toMatchObject({ status: 'failed', error: expect.any(UnknownPartitionError) });
    expect((fifth as { error: unknown }).error).toMatchObject({ topic: 'orders', partition: 5 });
    // Left out of the request: kafkajs would have skipped it without a word.
    expect(broker.sent.map((r) => r.messages.map((m) => m.partition))).toEqual([[0, 1]]);
  });

  it('a send whose every record names a partition the topic does not have sends nothing', async () => {
    const broker = kafkaWith([2]);
    const client = new KafkajsProducerClient(broker.kafka, settings);

    const outcomes = await client.sendOnce('orders', [{ key: 'b', value: 'y', partition: 5 }]);

    expect(outcomes).toEqual([{ status: 'failed', error: expect.any(UnknownPartitionError) }]);
    expect(broker.sent).toEqual([]);
  });

  it('a partition missing from the cached list is looked up again before its record fails', async () => {
    // 1 partition at the first send, 3 after partitions were added a moment later.
    const broker = kafkaWith([1, 3]);
    const client = new KafkajsProducerClient(broker.kafka, settings);
    await client.sendOnce('orders', [{ key: 'a', value: 'x', partition: 0 }]);

    const placed = await client.sendOnce('orders', [{ key: 'b', value: 'y', partition: 2 }]);

    expect(placed).toEqual([
      { status: 'sent', sent: { topic: 'orders', partition: 2, offset: '0' } },
    ]);
    expect(broker.metadataRequests()).toBe(2);
  });

  it('a record whose partition the producer left out of its request is not taken as sent', async () => {
    // The broker lists partition 1; the producer's own metadata, older, does not.
    const broker = kafkaWith([2], true);
    const client = new KafkajsProducerClient(broker.kafka, settings);

    const [outcome] = await client.sendOnce('orders', [{ key: 'a', value: 'x', partition: 1 }]);

    expect(outcome).toMatchObject({ status: 'failed' });
    expect((outcome as { error: unknown }).error).toMatchObject({
      code: 'RK_UNKNOWN_PARTITION',
      topic: 'orders',
      partition: 1,
    });
  });

  it('a partition kafkajs left out is transient (the broker lists it); one the broker does not list is not', async () => {
    const broker = kafkaWith([2], true);
    const client = new KafkajsProducerClient(broker.kafka, settings);

    const [skipped, missing] = await client.sendOnce('orders', [
      { key: 'a', value: 'x', partition: 1 },
      { key: 'b', value: 'y', partition: 4 },
    ]);

    const errorOf = (outcome: RecordOutcome) => (outcome as { error: UnknownPartitionError }).error;
    expect(errorOf(skipped)).toMatchObject({ partition: 1, reason: 'not-known-to-client' });
    expect(errorOf(missing)).toMatchObject({ partition: 4, reason: 'not-in-topic' });
    expect(client.isTransient(errorOf(skipped))).toBe(true);
    expect(client.isTransient(errorOf(missing))).toBe(false);
    expect(errorOf(missing).message).toBe(
      'Partition 4 of topic "orders" does not exist; records to it were not written',
    );
  });

  it("kafkajs's producer reads its partition list again as often as the client partitions by it", async () => {
    jest.useFakeTimers();
    try {
      const broker = kafkaWith([1]);
      const client = new KafkajsProducerClient(broker.kafka, settings);
      const send = () => client.sendOnce('orders', [{ key: 'a', value: 'x' }]);
      await send();
      jest.advanceTimersByTime(29_999);
      await send();
      expect(broker.metadataRequests()).toBe(1);
      jest.advanceTimersByTime(1);
      await send();
      expect(broker.metadataRequests()).toBe(2);
      // kafkajs's default is 5 min: for that long it would leave out a partition added since,
      // which the records are already placed on.
      expect(broker.producerConfigs).toEqual([expect.objectContaining({ metadataMaxAge: 30_000 })]);
    } finally {
      jest.useRealTimers();
    }
  });
});
