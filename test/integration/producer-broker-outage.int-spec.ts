import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  DeliveryTimeoutError,
  ReliableKafkaEvents,
  ReliableProducer,
} from '@reliable-kafka/nestjs';
import { KAFKA_HOME, killBroker, startBroker, stopBroker } from '../../tools/kafka/kafka-broker';
import { readAll, sleep, uniqueName } from '../support/kafka';
import { useLedgerApp } from '../support/ledger/ledger-app';
import { KafkajsAdminClient } from '../../libs/reliable-kafka/src/kafka/kafkajs/kafkajs-admin-client';
import { waitForLeaders } from '../../libs/reliable-kafka/src/kafka/wait-for-leaders';

/**
 * Stops and restarts a broker of its own (a separate home folder, ports and data), never the
 * shared one other suites use.
 */
describe('ReliableProducer across a broker outage (own broker)', () => {
  const home = path.join(KAFKA_HOME, `producer-outage-${process.pid}`);
  const ledger = useLedgerApp('sqlite');
  let brokers = '';

  beforeAll(async () => {
    brokers = (await startBroker({ home })).brokers;
  }, 180_000);

  afterAll(async () => {
    await stopBroker({ home }).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  }, 60_000);

  async function createOwnTopic(topic: string): Promise<void> {
    const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
      await waitForLeaders(new KafkajsAdminClient(admin), [topic]);
    } finally {
      await admin.disconnect();
    }
  }

  it('broker down for a few seconds, back within the delivery timeout: delivered once, no error', async () => {
    const topic = uniqueName('outage');
    await createOwnTopic(topic);
    const app = await ledger.start({
      options: {
        client: { brokers: [brokers], clientId: uniqueName('p') },
        producer: { deliveryTimeoutMs: 90_000 },
      },
    });
    const producer = app.get(ReliableProducer);
    const failures: unknown[] = [];
    app.get(ReliableKafkaEvents).on('produce-failed', (e) => failures.push(e.error));
    await producer.send(topic, { key: 'warm', value: 'up' });

    await killBroker('SIGKILL', { home });
    const sending = producer.send(topic, { key: 'k', value: { during: 'outage' } });
    await sleep(4_000);
    await startBroker({ home }); // same ports and data
    const result = await sending;

    expect(failures).toEqual([]);
    const records = await readAll(
      topic,
      2,
      30_000,
      new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }),
    );
    const during = records.filter(
      (r) => r.value?.toString() === JSON.stringify({ during: 'outage' }),
    );
    expect(during).toHaveLength(1); // exactly once: the idempotent producer absorbed its retries
    expect(during[0].headers['idempotency-key']).toBe(result.idempotencyKey);
  }, 150_000);

  it('broker down past the delivery timeout: a DeliveryTimeoutError, reported, nothing silent', async () => {
    const topic = uniqueName('outage-long');
    await createOwnTopic(topic);
    const app = await ledger.start({
      options: {
        client: { brokers: [brokers], clientId: uniqueName('p') },
        producer: { deliveryTimeoutMs: 6_000, requestTimeoutMs: 3_000 },
      },
    });
    const producer = app.get(ReliableProducer);
    const failures: unknown[] = [];
    app.get(ReliableKafkaEvents).on('produce-failed', (e) => failures.push(e.error));
    await producer.send(topic, { key: 'warm', value: 'up' });

    await killBroker('SIGKILL', { home });
    try {
      const began = Date.now();
      const error = await producer
        .send(topic, { key: 'k', value: 'lost?' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeliveryTimeoutError);
      expect((error as DeliveryTimeoutError).code).toBe('RK_DELIVERY_TIMEOUT');
      expect(Date.now() - began).toBeLessThan(60_000);
      expect(failures).toHaveLength(1);
    } finally {
      await ledger.close(); // disconnect before the broker comes back
      await startBroker({ home });
    }
  }, 150_000);
});
