import {
  RecordTooLargeError,
  ReliableKafkaConfigurationError,
  ReliableKafkaEvents,
  ReliableProducer,
  SerializationError,
  UnknownPartitionError,
  UnknownTopicError,
} from '@reliable-kafka/nestjs';
import { UUID_V7_PATTERN } from '../../libs/reliable-kafka/src/producer/uuid-v7';
import { createTopic, readAll, testKafka, topicExists, uniqueName } from '../support/kafka';
import { useLedgerApp } from '../support/ledger/ledger-app';

/** The end offset of each partition of a topic: what was written to it, counted by the broker. */
async function endOffsets(topic: string): Promise<Record<number, string>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return Object.fromEntries(offsets.map((o) => [o.partition, o.high]));
  } finally {
    await admin.disconnect();
  }
}

async function addPartitions(topic: string, count: number): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createPartitions({ topicPartitions: [{ topic, count }] });
  } finally {
    await admin.disconnect();
  }
}

describe('ReliableProducer (real broker)', () => {
  const ledger = useLedgerApp('sqlite');

  it('send() resolves with partition and offset; every record carries idempotency-key and message-id', async () => {
    const topic = uniqueName('produced');
    await createTopic(topic, 3);
    const app = await ledger.start({
      options: { producer: { idempotencyKey: (m) => (m.value as { orderId?: string }).orderId } },
    });
    const producer = app.get(ReliableProducer);
    const produced: number[] = [];
    app.get(ReliableKafkaEvents).on('produced', (e) => e.topic === topic && produced.push(e.count));

    const first = await producer.send(topic, { key: 'k-1', value: { orderId: 'order-1' } });
    const second = await producer.send(topic, { key: 'k-1', value: { other: true } });

    expect(first).toMatchObject({ topic, idempotencyKey: 'order-1' });
    expect(second.idempotencyKey).toMatch(UUID_V7_PATTERN);
    expect(second.partition).toBe(first.partition); // same key, same partition
    expect(BigInt(second.offset)).toBe(BigInt(first.offset) + 1n);
    const records = await readAll(topic, 2);
    expect(records).toHaveLength(2);
    const byOffset = new Map(records.map((r) => [r.offset, r]));
    expect(byOffset.get(first.offset)?.headers['idempotency-key']).toBe('order-1');
    expect(byOffset.get(first.offset)?.headers['message-id']).toBe(first.messageId);
    expect(byOffset.get(second.offset)?.headers['message-id']).toMatch(UUID_V7_PATTERN);
    expect(produced.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('sendAsync() returns a promise per record at once; linger batches them; offsets are exact', async () => {
    const topic = uniqueName('batched');
    await createTopic(topic, 2);
    const app = await ledger.start({ options: { producer: { lingerMs: 50, batchSize: 100 } } });
    const producer = app.get(ReliableProducer);
    const batches: number[] = [];
    app.get(ReliableKafkaEvents).on('produced', (e) => e.topic === topic && batches.push(e.count));

    const messages = Array.from({ length: 40 }, (_, i) => ({ key: `key-${i % 5}`, value: { i } }));
    const promises = producer.sendAsync(topic, messages);
    expect(promises).toHaveLength(40);
    const results = await Promise.all(promises);

    expect(batches.length).toBeLessThan(40); // batched, not one request per record
    expect(batches.reduce((a, b) => a + b, 0)).toBe(40);
    const records = await readAll(topic, 40);
    expect(records).toHaveLength(40);
    for (const [i, result] of results.entries()) {
      const record = records.find(
        (r) => r.partition === result.partition && r.offset === result.offset,
      );
      expect(JSON.parse(record!.value!.toString())).toEqual({ i });
      expect(record!.headers['idempotency-key']).toBe(result.idempotencyKey);
    }
    // Order per key is kept.
    for (let k = 0; k < 5; k++) {
      const seen = records
        .filter((r) => r.key?.toString() === `key-${k}`)
        .map((r) => JSON.parse(r.value!.toString()).i);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
    }
  });

  it('a record over message.max.bytes fails at once with RecordTooLargeError; the fallback gets it', async () => {
    const topic = uniqueName('large');
    await createTopic(topic);
    const fallback: string[] = [];
    const app = await ledger.start({
      options: {
        producer: {
          deliveryTimeoutMs: 60_000,
          fallback: ({ error }) => void fallback.push((error as RecordTooLargeError).code),
        },
      },
    });
    const failed: unknown[] = [];
    app
      .get(ReliableKafkaEvents)
      .on('produce-failed', (e) => e.topic === topic && failed.push(e.error));

    const began = Date.now();
    const error = await app
      .get(ReliableProducer)
      .send(topic, { key: 'big', value: Buffer.alloc(2 * 1024 * 1024, 1) })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RecordTooLargeError);
    expect((error as RecordTooLargeError).code).toBe('RK_RECORD_TOO_LARGE');
    expect(Date.now() - began).toBeLessThan(30_000); // not retried until the 60 s delivery timeout
    expect(failed).toHaveLength(1);
    expect(fallback).toEqual(['RK_RECORD_TOO_LARGE']);
    expect(await readAll(topic, 0, 1_000)).toHaveLength(0);
  });

  it('a topic that does not exist fails with UnknownTopicError naming it, not after the delivery timeout, and is not created', async () => {
    const topic = uniqueName('missing');
    // A delivery timeout well above the patience for a topic being created, well below a test
    // timeout: retrying until the timeout ends in DeliveryTimeoutError instead.
    const app = await ledger.start({
      options: { producer: { deliveryTimeoutMs: 20_000, unknownTopicTimeoutMs: 3_000 } },
    });
    const failed: unknown[] = [];
    app
      .get(ReliableKafkaEvents)
      .on('produce-failed', (e) => e.topic === topic && failed.push(e.error));

    const error = await app
      .get(ReliableProducer)
      .send(topic, { key: 'k', value: { orderId: 'o-1' } })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnknownTopicError);
    expect(error).toMatchObject({ code: 'RK_UNKNOWN_TOPIC', topic });
    expect((error as Error).message).toContain(topic);
    expect(failed).toEqual([error]);
    // The test broker has auto.create.topics.enable=true: the send must not have created it.
    expect(await topicExists(topic)).toBe(false);
  });

  it('a record naming a partition the topic does not have is rejected with UnknownPartitionError; the other records of its batch are written', async () => {
    const topic = uniqueName('partitions');
    await createTopic(topic, 2);
    const app = await ledger.start();
    const producer = app.get(ReliableProducer);
    const failed: unknown[] = [];
    app
      .get(ReliableKafkaEvents)
      .on('produce-failed', (e) => e.topic === topic && failed.push(e.error));

    // One batch: partition 5 is left out of the request (kafkajs itself would skip it without a
    // word), partition 0 is written and acknowledged.
    const [written, skipped] = await Promise.allSettled(
      producer.sendAsync(topic, [
        { key: 'k-0', value: { n: 0 }, partition: 0 },
        { key: 'k-5', value: { n: 5 }, partition: 5 },
      ]),
    );
    const single = await producer
      .send(topic, { key: 'k-2', value: { n: 2 }, partition: 2 })
      .catch((e: unknown) => e);

    expect(written).toMatchObject({ status: 'fulfilled', value: { partition: 0, offset: '0' } });
    const error = (skipped as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(UnknownPartitionError);
    expect(error).toMatchObject({ code: 'RK_UNKNOWN_PARTITION', topic, partition: 5 });
    expect(single).toMatchObject({ code: 'RK_UNKNOWN_PARTITION', topic, partition: 2 });
    expect(failed).toEqual([error, single]);
    expect(await endOffsets(topic)).toEqual({ 0: '1', 1: '0' });
  });

  it("a partition added after the producer's client read the topic: its record is sent again until the client knows it, and written once; its batch's other records resolve at once", async () => {
    const topic = uniqueName('grown');
    await createTopic(topic, 1);
    const app = await ledger.start();
    const producer = app.get(ReliableProducer);
    await producer.send(topic, { key: 'before', value: { n: 0 }, partition: 0 });
    await addPartitions(topic, 2);

    // The broker now lists partition 1; kafkajs's producer reads its partition list again only at
    // its next metadata refresh (within 30 s) and until then skips a partition it does not know:
    // the record is not written and, within the delivery timeout (120 s), is sent again alone.
    const [first, added] = producer.sendAsync(topic, [
      { key: 'first', value: { n: 1 }, partition: 0 },
      { key: 'after', value: { n: 2 }, partition: 1 },
    ]);
    let addedSettled = false;
    void added.finally(() => (addedSettled = true)).catch(() => undefined);
    await expect(first).resolves.toMatchObject({ partition: 0, offset: '1' });
    expect(addedSettled).toBe(false); // the record written did not wait for the other's resends

    await expect(added).resolves.toMatchObject({ partition: 1, offset: '0' });
    expect(await endOffsets(topic)).toEqual({ 0: '2', 1: '1' });
  });

  it('an unserializable value is a SerializationError before anything is sent', async () => {
    const topic = uniqueName('serial');
    await createTopic(topic);
    const app = await ledger.start();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(app.get(ReliableProducer).send(topic, { value: circular })).rejects.toBeInstanceOf(
      SerializationError,
    );
  });

  it('unsafe settings fail bootstrap naming the setting', async () => {
    await expect(ledger.start({ options: { producer: { acks: 1 } } })).rejects.toThrow(
      ReliableKafkaConfigurationError,
    );
    await expect(
      ledger.start({ options: { producer: { maxInFlightRequests: 5 } } }),
    ).rejects.toThrow(/producer\.maxInFlightRequests/);
  });
});
