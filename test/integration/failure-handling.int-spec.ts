import { Injectable } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  Ctx,
  DeadLetterHeaders,
  DeliveryStats,
  Payload,
  ReliableKafkaContext,
  ReliableKafkaEvents,
  ReliableProducer,
} from '@reliable-kafka/nestjs';
import { Kafka, type Producer, type ProducerConfig } from 'kafkajs';
import {
  committedOffsets,
  createTopic,
  eventually,
  produce,
  readAll,
  uniqueName,
} from '../support/kafka';
import { applyCredit, type Credit, creditMessage } from '../support/ledger/credit';
import { useLedgerApp } from '../support/ledger/ledger-app';
import { testClientLibrary } from '../support/test-client';
import type {
  ConfluentConfig,
  ConfluentKafka,
} from '../../libs/reliable-kafka/src/kafka/confluent/confluent-api';
import { loadConfluentKafkaJS } from '../../libs/reliable-kafka/src/kafka/confluent/confluent-package';
import { LedgerEntry } from '../support/ledger/ledger.entities';

class InsufficientFunds extends Error {}

describe('failure handling (postgres, real broker)', () => {
  const ledger = useLedgerApp('postgres');
  const entries = (key: string) =>
    ledger.db.dataSource.getRepository(LedgerEntry).countBy({ idempotencyKey: key });

  it('a transient error that clears after 3 attempts: applied once, nothing dead-lettered', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);
    let calls = 0;

    @Injectable()
    class Transient {
      @AtLeastOnceHandler({
        topics: topic,
        retry: { maxAttempts: 5, backoff: { type: 'fixed', delayMs: 30 } },
      })
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        calls++;
        await applyCredit(context.entityManager, credit, context);
        if (context.attempt < 3)
          throw new Error(`timeout talking to the ledger (attempt ${context.attempt})`);
      }
    }

    const app = await ledger.start({ providers: [Transient] });
    await produce(topic, [creditMessage({ id: 't-1', account: uniqueName('a'), amount: 3 })]);
    const stats = app.get(DeliveryStats);
    await eventually(() => stats.get().processed === 1, 'processed');

    expect(calls).toBe(3);
    expect(stats.get()).toEqual({ processed: 1, duplicates: 0, retries: 2, deadLettered: 0 });
    expect(await entries('t-1')).toBe(1);
    expect(await readAll(`${topic}.dlq`, 0, 1_000)).toHaveLength(0);
  });

  it('a permanent retriable error: exactly maxAttempts calls, then the dead-letter topic, within maxTotalMs', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);
    const calls: number[] = [];

    @Injectable()
    class AlwaysFailing {
      @AtLeastOnceHandler({
        topics: topic,
        retry: {
          maxAttempts: 4,
          maxTotalMs: 20_000,
          backoff: { type: 'exponential', initialMs: 50, multiplier: 2, jitter: 0 },
        },
      })
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        calls.push(Date.now());
        await applyCredit(context.entityManager, credit, context);
        throw new Error('ledger service returns 503');
      }
    }

    const app = await ledger.start({ providers: [AlwaysFailing] });
    const events = app.get(ReliableKafkaEvents);
    let deadLetteredAt = 0;
    events.on('dead-lettered', () => (deadLetteredAt = Date.now()));
    await produce(topic, [creditMessage({ id: 'p-1', account: uniqueName('a'), amount: 3 })]);
    const stats = app.get(DeliveryStats);
    await eventually(() => stats.get().deadLettered === 1, 'dead-lettered');

    expect(calls).toHaveLength(4);
    expect(deadLetteredAt - calls[0]).toBeLessThanOrEqual(20_000);
    expect(await entries('p-1')).toBe(0);
    const [dead] = await readAll(`${topic}.dlq`, 1);
    expect(dead.headers[DeadLetterHeaders.attempts]).toBe('4');
    expect(dead.headers[DeadLetterHeaders.errorMessage]).toBe('ledger service returns 503');
  });

  it('user classification: an error listed as non-retriable is dead-lettered on the first failure', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);
    let calls = 0;

    @Injectable()
    class Classified {
      @AtLeastOnceHandler({ topics: topic, retry: { nonRetriable: [InsufficientFunds] } })
      async credit() {
        calls++;
        throw new InsufficientFunds('balance too low');
      }
    }

    const app = await ledger.start({ providers: [Classified] });
    await produce(topic, [creditMessage({ id: 'c-1', account: 'a', amount: 1 })]);
    await eventually(() => app.get(DeliveryStats).get().deadLettered === 1, 'dead-lettered');
    expect(calls).toBe(1);
  });

  it('pauses only the failing partition during a back-off: the others keep flowing', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic, 2);
    const processedAt: Record<number, number[]> = { 0: [], 1: [] };
    let failingUntil = 0;

    @Injectable()
    class PartlyFailing {
      @AtLeastOnceHandler({
        topics: topic,
        retry: { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 1_500 } },
      })
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        if (credit.id === 'stuck') {
          failingUntil = Date.now();
          throw new Error('not yet');
        }
        processedAt[context.partition].push(Date.now());
      }
    }

    const app = await ledger.start({
      providers: [PartlyFailing],
      options: { consumer: { groupId: uniqueName('g'), partitionsConsumedConcurrently: 1 } },
    });
    await produce(topic, [
      { ...creditMessage({ id: 'stuck', account: 'a', amount: 1 }), partition: 0 },
    ]);
    await eventually(() => failingUntil > 0, 'first failure');
    const sentAt = Date.now();
    await produce(
      topic,
      Array.from({ length: 5 }, (_, i) => ({
        ...creditMessage({ id: `free-${i}`, account: 'b', amount: 1 }),
        partition: 1,
      })),
    );
    await eventually(
      () => app.get(DeliveryStats).get().deadLettered === 1,
      'stuck record dead-lettered',
    );

    // Partition 1 was served while partition 0 waited out its back-offs.
    expect(processedAt[1]).toHaveLength(5);
    expect(Math.max(...processedAt[1])).toBeLessThan(failingUntil);
    expect(Math.min(...processedAt[1])).toBeGreaterThanOrEqual(sentAt);
  });

  it('shutdown does not wait out a back-off, and the record stays uncommitted', async () => {
    const topic = uniqueName('credits');
    const groupId = uniqueName('g');
    await createTopic(topic);
    let calls = 0;

    @Injectable()
    class SlowRetry {
      @AtLeastOnceHandler({
        topics: topic,
        retry: {
          maxAttempts: 3,
          maxTotalMs: 600_000,
          backoff: { type: 'fixed', delayMs: 120_000 },
        },
      })
      async credit() {
        calls++;
        throw new Error('down');
      }
    }

    await ledger.start({ groupId, providers: [SlowRetry] });
    await produce(topic, [creditMessage({ id: 's-1', account: 'a', amount: 1 })]);
    await eventually(() => calls === 1, 'first attempt');
    const closing = Date.now();
    await ledger.close();
    // Far less than the 120 s back-off: close did not wait for it.
    expect(Date.now() - closing).toBeLessThan(30_000);
    expect((await committedOffsets(groupId, topic))[0]).toBe('-1');
  });

  it('a dead-letter topic that cannot be written: the offset waits, the record is dead-lettered once it can be (lost 0)', async () => {
    const topic = uniqueName('credits');
    const deadLetterTopic = uniqueName('missing-dlq');
    const groupId = uniqueName('g');
    await createTopic(topic);

    @Injectable()
    class Poisoned {
      @AtLeastOnceHandler({
        topics: topic,
        deadLetter: { topic: deadLetterTopic, createTopic: false },
      })
      async credit() {}
    }

    const app = await ledger.start({
      groupId,
      providers: [Poisoned],
      options: {
        producer: { deliveryTimeoutMs: 500 },
        handlerDefaults: { retry: { backoff: { type: 'fixed', delayMs: 100 } } },
      },
    });
    let failedWrites = 0;
    app.get(ReliableKafkaEvents).on('dead-letter-failed', () => failedWrites++);
    await produce(topic, [
      { key: 'k', value: Buffer.from('not json {') },
      creditMessage({ id: 'after', account: 'a', amount: 1 }),
    ]);

    await eventually(() => failedWrites >= 2, 'two failed dead-letter writes');
    expect((await committedOffsets(groupId, topic))[0]).toBe('-1');
    expect(app.get(DeliveryStats).get().processed).toBe(0);

    await createTopic(deadLetterTopic);
    await eventually(
      () =>
        app.get(DeliveryStats).get().deadLettered === 1 &&
        app.get(DeliveryStats).get().processed === 1,
      'dead-lettered, then the next record',
    );
    await eventually(
      async () => (await committedOffsets(groupId, topic))[0] === '2',
      'both offsets committed',
    );
    const dead = await readAll(deadLetterTopic, 1);
    expect(dead).toHaveLength(1);
    expect(dead[0].value?.toString()).toBe('not json {');
  });

  it('dead-letter writes stay acks=all, idempotent, one request in flight, when the app relaxed its own producer', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);
    const appTopic = uniqueName('notices');
    await createTopic(appTopic);
    // Watch what reaches the client: the settings of every producer and the acks of every send.
    const { producers, sends, restore } = watchProducers();

    @Injectable()
    class Poisoned {
      @AtLeastOnceHandler({ topics: topic })
      async credit() {}
    }

    try {
      const app = await ledger.start({
        providers: [Poisoned],
        options: { producer: { acks: 1, idempotent: false, maxInFlightRequests: 5 } },
      });
      await app.get(ReliableProducer).send(appTopic, { key: 'n', value: { notice: 1 } });
      await produce(topic, [{ key: 'k', value: Buffer.from('not json {') }]);
      await eventually(() => app.get(DeliveryStats).get().deadLettered === 1, 'dead-lettered');
    } finally {
      restore();
    }

    // The app's own record went out as it asked (so the watch sees real settings)...
    expect(sends.filter((s) => s.topic === appTopic)).toEqual([{ topic: appTopic, acks: 1 }]);
    expect(producers).toContainEqual(
      expect.objectContaining({ idempotent: false, maxInFlightRequests: 5 }),
    );
    // ...the dead letter did not: every in-sync replica, from the idempotent producer.
    expect(sends.filter((s) => s.topic === `${topic}.dlq`)).toEqual([
      { topic: `${topic}.dlq`, acks: -1 },
    ]);
    expect(producers).toContainEqual(
      expect.objectContaining({ idempotent: true, maxInFlightRequests: 1 }),
    );
    expect(await readAll(`${topic}.dlq`, 1)).toHaveLength(1);
  });
});

interface WatchedProducers {
  producers: Array<{ acks?: number; idempotent?: boolean; maxInFlightRequests?: number }>;
  /** kafkajs takes acks per send; Confluent's client per producer (the send then has none). */
  sends: Array<{ topic: string; acks?: number }>;
  restore(): void;
}

/** The settings of every producer the client creates, and every send, on this run's client. */
function watchProducers(): WatchedProducers {
  const producers: WatchedProducers['producers'] = [];
  const sends: WatchedProducers['sends'] = [];
  if (testClientLibrary() === 'confluent') {
    const kafkaClass = loadConfluentKafkaJS().Kafka.prototype as ConfluentKafka;
    const createProducer = kafkaClass.producer;
    const spy = jest.spyOn(kafkaClass, 'producer').mockImplementation(function (
      this: ConfluentKafka,
      config?: ConfluentConfig,
    ) {
      const producer = createProducer.call(this, config);
      const { acks, idempotent, maxInFlightRequests } = config?.kafkaJS ?? {};
      producers.push({ acks, idempotent, maxInFlightRequests });
      const send = producer.send.bind(producer);
      producer.send = (record) => {
        sends.push({ topic: record.topic, acks });
        return send(record);
      };
      return producer;
    });
    return { producers, sends, restore: () => spy.mockRestore() };
  }
  const createProducer = Kafka.prototype.producer;
  const spy = jest.spyOn(Kafka.prototype, 'producer').mockImplementation(function (
    this: Kafka,
    config?: ProducerConfig,
  ): Producer {
    const producer = createProducer.call(this, config);
    producers.push(config ?? {});
    const send = producer.send.bind(producer);
    producer.send = (record) => {
      sends.push({ topic: record.topic, acks: record.acks });
      return send(record);
    };
    return producer;
  });
  return { producers, sends, restore: () => spy.mockRestore() };
}
