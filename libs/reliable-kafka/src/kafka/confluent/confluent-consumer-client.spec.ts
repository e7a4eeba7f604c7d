import { EventEmitter } from 'node:events';
import type { ConsumerListener, ConsumerSettings, PartitionBatch } from '../port/consumer-client';
import type {
  ConfluentConfig,
  ConfluentConsumer,
  ConfluentEachBatchPayload,
  ConfluentKafka,
  ConfluentTopicPartition,
} from './confluent-api';
import { ConfluentConsumerClient } from './confluent-consumer-client';
import { LibrdkafkaErrorCode as C } from './confluent-errors';

/**
 * The package's consumer as far as the adapter drives it: the rebalance callback and eachBatch
 * are called by the test, as librdkafka and the package would call them.
 */
class FakeConsumer {
  config!: ConfluentConfig;
  eachBatch!: (payload: ConfluentEachBatchPayload) => Promise<void>;
  protocol = 'EAGER';
  readonly internal = new EventEmitter();
  readonly resumed: string[] = [];
  committedAnswer: () => Promise<{ topic: string; partition: number; offset: string | null }[]> =
    async () => [];

  api(): ConfluentConsumer {
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      subscribe: async () => undefined,
      run: async (config) => {
        this.eachBatch = config.eachBatch;
      },
      commitOffsets: async () => undefined,
      committed: () => this.committedAnswer(),
      pause: () => undefined,
      resume: () => undefined,
      rebalanceProtocol: () => this.protocol,
      _getInternalClient: () => this.internal,
    };
  }

  rebalance(code: number, partitions: ConfluentTopicPartition[]) {
    const callback = this.config.rebalance_cb as (
      event: { code: number },
      partitions: ConfluentTopicPartition[],
    ) => Promise<ConfluentTopicPartition[] | void>;
    return callback({ code }, partitions);
  }

  /** A batch of one record of `topic[partition]`, handed to the adapter. */
  batch(topic: string, partition: number, handle: (batch: PartitionBatch) => Promise<void>) {
    this.handle = handle;
    return this.eachBatch({
      batch: {
        topic,
        partition,
        highWatermark: '10',
        messages: [{ key: null, value: Buffer.from('{}'), timestamp: '0', offset: '5' }],
      },
      resolveOffset: () => undefined,
      heartbeat: async () => undefined,
      pause: () => () => this.resumed.push(`${topic}[${partition}]`),
      isRunning: () => true,
      isStale: () => false,
    });
  }
  handle?: (batch: PartitionBatch) => Promise<void>;
}

const settings: ConsumerSettings = {
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  maxBytesPerPartition: 1_048_576,
  maxWaitTimeMs: 500,
  partitionsConsumedConcurrently: 1,
  maxBatchRecords: 1,
};

async function started(fromBeginning: Record<string, boolean> = { orders: true }) {
  const fake = new FakeConsumer();
  const kafka = {
    consumer: (config: ConfluentConfig) => {
      fake.config = config;
      return fake.api();
    },
  } as unknown as ConfluentKafka;
  const events: string[] = [];
  const crashes: { error: Error; restarting: boolean }[] = [];
  const listener: ConsumerListener = {
    eachBatch: (batch) => fake.handle!(batch),
    assigned: (assignment, _durationMs, keptGoOn) =>
      events.push(`assigned ${JSON.stringify(assignment)}${keptGoOn ? ' kept' : ''}`),
    revoking: async (partitions) => {
      events.push(`revoking ${JSON.stringify(partitions)}`);
    },
    crashed: (error, restarting) => crashes.push({ error, restarting }),
    stopped: () => undefined,
  };
  const client = new ConfluentConsumerClient(kafka, 'g', settings);
  await client.start(
    Object.entries(fromBeginning).map(([topic, start]) => ({ topic, fromBeginning: start })),
    listener,
  );
  return { fake, client, events, crashes };
}

describe('ConfluentConsumerClient', () => {
  it('resumes a partition paused for a back-off even after it was revoked, so that it is not paused when it comes back', async () => {
    const { fake } = await started();
    await fake.rebalance(C.ERR__ASSIGN_PARTITIONS, [{ topic: 'orders', partition: 0 }]);
    let resume!: () => void;
    await fake.batch('orders', 0, async (batch) => {
      resume = batch.pause();
    });
    await fake.rebalance(C.ERR__REVOKE_PARTITIONS, [{ topic: 'orders', partition: 0 }]);
    resume();
    expect(fake.resumed).toEqual(['orders[0]']);
  });

  it('does not let an older pause cut a newer back-off of the same partition short', async () => {
    const { fake } = await started();
    await fake.rebalance(C.ERR__ASSIGN_PARTITIONS, [{ topic: 'orders', partition: 0 }]);
    const resumes: (() => void)[] = [];
    for (let i = 0; i < 2; i++)
      await fake.batch('orders', 0, async (batch) => {
        resumes.push(batch.pause());
      });
    resumes[0]();
    expect(fake.resumed).toEqual([]);
    resumes[1]();
    expect(fake.resumed).toEqual(['orders[0]']);
  });

  it('turns a batch in hand inactive once its partition is revoked, before the revocation commits', async () => {
    const { fake } = await started();
    fake.protocol = 'COOPERATIVE';
    await fake.rebalance(C.ERR__ASSIGN_PARTITIONS, [
      { topic: 'orders', partition: 0 },
      { topic: 'orders', partition: 1 },
    ]);
    const seen: boolean[] = [];
    let revoked!: Promise<unknown>;
    await fake.batch('orders', 0, async (batch) => {
      seen.push(batch.isActive());
      revoked = fake.rebalance(C.ERR__REVOKE_PARTITIONS, [{ topic: 'orders', partition: 0 }]);
      seen.push(batch.isActive());
    });
    await revoked;
    expect(seen).toEqual([true, false]);
    // The partition kept is still active.
    await fake.batch('orders', 1, async (batch) => {
      seen.push(batch.isActive());
    });
    expect(seen[2]).toBe(true);
  });

  it('tells an eager change as revoke-all then assign, and an incremental revoke as the partitions kept', async () => {
    const eager = await started();
    await eager.fake.rebalance(C.ERR__ASSIGN_PARTITIONS, [{ topic: 'orders', partition: 0 }]);
    await eager.fake.rebalance(C.ERR__REVOKE_PARTITIONS, [{ topic: 'orders', partition: 0 }]);
    expect(eager.events).toEqual(['assigned {"orders":[0]}', 'revoking {"orders":[0]}']);

    const incremental = await started();
    incremental.fake.protocol = 'COOPERATIVE';
    await incremental.fake.rebalance(C.ERR__ASSIGN_PARTITIONS, [
      { topic: 'orders', partition: 0 },
      { topic: 'orders', partition: 1 },
    ]);
    await incremental.fake.rebalance(C.ERR__REVOKE_PARTITIONS, [{ topic: 'orders', partition: 1 }]);
    expect(incremental.events).toEqual([
      'assigned {"orders":[0,1]} kept',
      'revoking {"orders":[1]}',
      'assigned {"orders":[0]} kept',
    ]);
  });

  it('reports a fatal client error as a crash that does not restart; other errors are not crashes', async () => {
    const { fake, crashes } = await started();
    fake.internal.emit(
      'event.error',
      Object.assign(new Error('broker transport failure'), { code: -195 }),
    );
    expect(crashes).toEqual([]);
    const fenced = Object.assign(new Error('Fatal error: fenced by another static member'), {
      code: -150,
      isFatal: true,
    });
    fake.internal.emit('event.error', fenced);
    expect(crashes).toEqual([{ error: fenced, restarting: false }]);
  });

  describe('a group whose topics start at different ends', () => {
    const assignment = [
      { topic: 'orders', partition: 0 },
      { topic: 'orders.retry', partition: 0 },
      { topic: 'audit', partition: 0 },
      { topic: 'audit', partition: 1 },
    ];

    it('starts every partition at its first record, and moves those of a topic meant to start at its end, without a commit, to the end', async () => {
      const { fake } = await started({ orders: true, 'orders.retry': true, audit: false });
      expect((fake.config.kafkaJS as { fromBeginning: boolean }).fromBeginning).toBe(true);
      // audit[0] has no commit; audit[1] has committed offset 0, which the package gives as null.
      fake.committedAnswer = async () => [
        { topic: 'audit', partition: 0, offset: '-1001' },
        { topic: 'audit', partition: 1, offset: null },
      ];
      expect(await fake.rebalance(C.ERR__ASSIGN_PARTITIONS, assignment)).toEqual([
        { topic: 'orders', partition: 0 },
        { topic: 'orders.retry', partition: 0 },
        { topic: 'audit', partition: 0, offset: -1 },
        { topic: 'audit', partition: 1 },
      ]);
    });

    it('leaves them at their first record when the committed offsets cannot be read: more is read, nothing skipped', async () => {
      const { fake } = await started({ orders: true, audit: false });
      let lookups = 0;
      fake.committedAnswer = async () => {
        lookups++;
        throw new Error('coordinator moving');
      };
      expect(await fake.rebalance(C.ERR__ASSIGN_PARTITIONS, assignment)).toBeUndefined();
      expect(lookups).toBe(3);
    });
  });
});
