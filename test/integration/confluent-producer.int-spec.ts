import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { UnknownPartitionError, UnknownTopicError } from '@reliable-kafka/nestjs';
import type { ConfluentKafka } from '../../libs/reliable-kafka/src/kafka/confluent/confluent-api';
import { createConfluentClient } from '../../libs/reliable-kafka/src/kafka/confluent/confluent-client-factory';
import { LibrdkafkaErrorCode } from '../../libs/reliable-kafka/src/kafka/confluent/confluent-errors';
import { loadConfluentKafkaJS } from '../../libs/reliable-kafka/src/kafka/confluent/confluent-package';
import { ConfluentProducerClient } from '../../libs/reliable-kafka/src/kafka/confluent/confluent-producer-client';
import type {
  OutgoingRecord,
  ProducerClientSettings,
  RecordOutcome,
  SentRecord,
} from '../../libs/reliable-kafka/src/kafka/kafka-port';
import {
  DeliveryDeadline,
  type DeliveryDeadlineSettings,
} from '../../libs/reliable-kafka/src/producer/delivery-deadline';
import { KAFKA_HOME, killBroker, startBroker, stopBroker } from '../../tools/kafka/kafka-broker';
import {
  brokers,
  createTopic,
  readAll,
  sleep,
  testKafka,
  topicExists,
  uniqueName,
} from '../support/kafka';

/**
 * The Confluent producer adapter against a real broker: what it writes is read back by an
 * independent client (kafkajs) byte for byte, and the broker's and librdkafka's own errors are
 * classified as the delivery deadline needs. Needs @confluentinc/kafka-javascript installed
 * (docs/clients.md): without it this suite fails, naming the package.
 */
// Quiet by default, as the other suites are; RK_TEST_LOG=1 shows the client's log lines.
if (!process.env.RK_TEST_LOG) Logger.overrideLogger(false);

const SETTINGS: ProducerClientSettings & DeliveryDeadlineSettings = {
  deliveryTimeoutMs: 30_000,
  unknownTopicTimeoutMs: 3_000,
  acks: -1,
  idempotent: true,
  maxInFlightRequests: 5,
  requestTimeoutMs: 10_000,
  retryBackoffMs: 100,
};

function confluentKafka(brokerList: string[]): ConfluentKafka {
  return createConfluentClient({ kafkaJS: { brokers: brokerList, clientId: uniqueName('cf') } });
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (error: unknown) => error,
  );
}

/** The records an attempt wrote, where each landed; fails when one of them was not written. */
async function written(outcomes: Promise<RecordOutcome[]>): Promise<SentRecord[]> {
  return (await outcomes).map((outcome) => {
    if (outcome.status === 'failed') throw outcome.error;
    return outcome.sent;
  });
}

/** Why the one record of an attempt was not written: its own failure or the attempt's. */
async function failureOfOne(outcomes: Promise<RecordOutcome[]>): Promise<unknown> {
  return failureOf(written(outcomes));
}

describe('ConfluentProducerClient against the broker', () => {
  let client: ConfluentProducerClient;

  beforeAll(async () => {
    client = new ConfluentProducerClient(confluentKafka(brokers()), SETTINGS);
    await client.connect();
  });

  afterAll(() => client?.disconnect());

  it('names librdkafka error codes as the package does', () => {
    const { ErrorCodes } = loadConfluentKafkaJS();
    for (const [name, code] of Object.entries(LibrdkafkaErrorCode)) {
      expect([name, ErrorCodes[name]]).toEqual([name, code]);
    }
  });

  it('writes keys, values and headers byte for byte, to the partition given or the key chooses, and says where each landed', async () => {
    const topic = uniqueName('cf-exact');
    await createTopic(topic, 3);
    const records: OutgoingRecord[] = [
      {
        key: Buffer.from([0x00, 0xff, 0x80, 0x0a]),
        value: Buffer.from([0xde, 0xad, 0x00, 0xbe, 0xef]),
        headers: { trace: 'abc', 'content-type': Buffer.from('application/octet-stream') },
        partition: 2,
      },
      // Empty is not null: an empty value is no tombstone, an empty key and header are there.
      {
        key: '',
        value: Buffer.alloc(0),
        headers: { empty: Buffer.alloc(0), unicode: 'é✓' },
        partition: 0,
      },
      { key: null, value: null, partition: 1 },
      { key: 'order-7', value: 'placed by its key' },
      { key: 'order-7', value: 'the same key, the same partition' },
      { key: Buffer.from('k'), value: 'after the first on partition 2', partition: 2 },
    ];

    const sent = await written(client.sendOnce(topic, records));

    // The Java client's partitioner (murmur2), which kafkajs's default partitioner also is: a
    // key lands on the same partition whichever of the two clients wrote it.
    const byKey = Partitioners.DefaultPartitioner()({
      topic,
      partitionMetadata: [0, 1, 2].map((id) => ({
        partitionId: id,
        leader: 1,
        partitionErrorCode: 0,
        replicas: [1],
        isr: [1],
      })),
      message: { key: 'order-7', value: null },
    });
    expect(sent.map((s) => s.partition)).toEqual([2, 0, 1, byKey, byKey, 2]);
    const read = await readAll(topic, records.length);
    expect(read).toHaveLength(records.length);
    const at = (i: number) =>
      read.find((r) => r.partition === sent[i].partition && r.offset === sent[i].offset);
    expect(at(0)).toMatchObject({
      key: Buffer.from([0x00, 0xff, 0x80, 0x0a]),
      value: Buffer.from([0xde, 0xad, 0x00, 0xbe, 0xef]),
      headers: { trace: 'abc', 'content-type': 'application/octet-stream' },
    });
    expect(at(1)).toMatchObject({
      key: Buffer.alloc(0),
      value: Buffer.alloc(0),
      headers: { empty: '', unicode: 'é✓' },
    });
    expect(at(2)).toMatchObject({ key: null, value: null, headers: {} });
    expect(at(3)?.value?.toString()).toBe('placed by its key');
    expect(at(4)?.value?.toString()).toBe('the same key, the same partition');
    expect(at(5)?.value?.toString()).toBe('after the first on partition 2');
    expect(BigInt(sent[5].offset)).toBe(BigInt(sent[0].offset) + 1n);
  });

  it('a topic that does not exist: an unknown topic, transient, and UnknownTopicError from the delivery deadline, without creating it', async () => {
    const topic = uniqueName('cf-missing');
    const record: OutgoingRecord = { key: 'k', value: 'v' };

    // The first attempt waits for the broker's answer; the next is refused by librdkafka at once.
    for (const attempt of [1, 2]) {
      const error = await failureOfOne(client.sendOnce(topic, [record]));
      expect([attempt, client.isUnknownTopic(error), client.isTransient(error)]).toEqual([
        attempt,
        true,
        true,
      ]);
    }
    const error = await failureOf(new DeliveryDeadline(client, SETTINGS).send(topic, [record]));
    expect(error).toBeInstanceOf(UnknownTopicError);
    expect(await topicExists(topic)).toBe(false);
  });

  it("a record larger than the topic takes: the broker's refusal is not transient, and the delivery deadline fails with it at once", async () => {
    const topic = uniqueName('cf-small');
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: 1,
            replicationFactor: 1,
            configEntries: [{ name: 'max.message.bytes', value: '1000' }],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    const record: OutgoingRecord = { key: 'k', value: Buffer.alloc(5_000, 1) };

    const error = await failureOfOne(client.sendOnce(topic, [record]));
    expect((error as { code?: unknown }).code).toBe(LibrdkafkaErrorCode.ERR_MSG_SIZE_TOO_LARGE);
    expect(client.isTransient(error)).toBe(false);
    expect(client.isUnknownTopic(error)).toBe(false);
    const viaDeadline = await failureOf(
      new DeliveryDeadline(client, SETTINGS).send(topic, [record]),
    );
    expect((viaDeadline as { code?: unknown }).code).toBe(
      LibrdkafkaErrorCode.ERR_MSG_SIZE_TOO_LARGE,
    );
  });

  it('a partition the topic does not have: UnknownPartitionError naming it, not transient', async () => {
    const topic = uniqueName('cf-partitions');
    await createTopic(topic, 3);

    const error = await failureOfOne(
      client.sendOnce(topic, [{ key: 'k', value: 'to nowhere', partition: 7 }]),
    );
    expect(error).toBeInstanceOf(UnknownPartitionError);
    expect(error).toMatchObject({ topic, partition: 7 });
    expect(client.isTransient(error)).toBe(false);
    expect(client.isUnknownTopic(error)).toBe(false);
  });
});

/** Stops and restarts a broker of its own, never the shared one other suites use. */
describe('ConfluentProducerClient across a broker outage (own broker)', () => {
  const home = path.join(KAFKA_HOME, `confluent-outage-${process.pid}`);
  let ownBrokers: string[] = [];

  beforeAll(async () => {
    ownBrokers = [(await startBroker({ home })).brokers];
  }, 180_000);

  afterAll(async () => {
    await stopBroker({ home }).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('broker down: the failure is transient; back within the delivery timeout: written once', async () => {
    const topic = uniqueName('cf-outage');
    const admin = new Kafka({ brokers: ownBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    });
    await admin.disconnect();
    const short = new ConfluentProducerClient(confluentKafka(ownBrokers), {
      ...SETTINGS,
      deliveryTimeoutMs: 3_000,
      requestTimeoutMs: 1_000,
    });
    const patient = new ConfluentProducerClient(confluentKafka(ownBrokers), {
      ...SETTINGS,
      deliveryTimeoutMs: 90_000,
    });
    await short.connect();
    await patient.connect();
    try {
      await written(patient.sendOnce(topic, [{ key: 'warm', value: 'up' }]));
      await killBroker('SIGKILL', { home });

      const error = await failureOfOne(short.sendOnce(topic, [{ key: 'k', value: 'lost?' }]));
      expect((error as { code?: unknown }).code).toBe(LibrdkafkaErrorCode.ERR__MSG_TIMED_OUT);
      expect(short.isTransient(error)).toBe(true);

      const sending = written(patient.sendOnce(topic, [{ key: 'k', value: 'during the outage' }]));
      await sleep(3_000);
      await startBroker({ home }); // same ports and data
      const [sent] = await sending;

      const read = await readAll(
        topic,
        2,
        30_000,
        new Kafka({ brokers: ownBrokers, logLevel: logLevel.NOTHING }),
      );
      const during = read.filter((r) => r.value?.toString() === 'during the outage');
      // Exactly once: librdkafka's retries kept the idempotent producer's sequence numbers.
      expect(during).toEqual([expect.objectContaining({ offset: sent.offset })]);
    } finally {
      await Promise.all([short.disconnect(), patient.disconnect()]);
    }
  }, 150_000);
});
