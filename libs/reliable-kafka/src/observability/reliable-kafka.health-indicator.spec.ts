import { HealthIndicatorService } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import type { KafkaClientFactory } from '../kafka/port/client-factory';
import type { PartitionStatus } from './consumer-status';
import { ConsumersReadModel } from './consumers-read-model';
import { ReliableKafkaHealthIndicator } from './reliable-kafka.health-indicator';

function partition(overrides: Partial<PartitionStatus>): PartitionStatus {
  return {
    topic: 'orders',
    partition: 0,
    committedOffset: '10',
    highWatermark: '12',
    lag: 2,
    inFlight: 0,
    paused: false,
    headDeliveries: 0,
    lastProgressAt: Date.now(),
    commitWaitingSince: null,
    ...overrides,
  };
}

/** The indicator over one running group of these partitions; broker and database answer. */
function indicatorWith(partitions: PartitionStatus[]): ReliableKafkaHealthIndicator {
  const consumers = new ConsumersReadModel();
  consumers.attach({
    status: () => ({
      started: true,
      groups: [{ groupId: 'g', topics: ['orders'], running: true, partitions }],
    }),
    database: {
      dataSource: { isInitialized: true, query: async () => [1] } as unknown as DataSource,
      dedupTableName: 'dedup',
    },
  });
  const clients = {
    createAdmin: () => ({ connect: async () => undefined, ping: async () => undefined }),
  } as unknown as KafkaClientFactory;
  return new ReliableKafkaHealthIndicator(consumers, new HealthIndicatorService(), clients);
}

describe('ReliableKafkaHealthIndicator: commits', () => {
  it('is down, naming the partitions, when finished offsets have waited past commitStalledAfterMs to be committed', async () => {
    const indicator = indicatorWith([
      partition({ partition: 0, commitWaitingSince: Date.now() - 6_000 }),
      partition({ partition: 1 }),
    ]);
    const result = await indicator.isHealthy('kafka', { commitStalledAfterMs: 5_000 });
    expect(result.kafka.status).toBe('down');
    expect((result.kafka as { problems?: string[] }).problems).toEqual([
      'group g: offsets not committed for over 5000 ms on orders[0]',
    ]);
  });

  it('is up while a commit has waited less than that (one failed attempt, a commit in flight)', async () => {
    const indicator = indicatorWith([partition({ commitWaitingSince: Date.now() - 1_000 })]);
    const result = await indicator.isHealthy('kafka', { commitStalledAfterMs: 5_000 });
    expect(result.kafka.status).toBe('up');
  });

  it('waits 30 s by default', async () => {
    const recent = indicatorWith([partition({ commitWaitingSince: Date.now() - 20_000 })]);
    expect((await recent.isHealthy('kafka')).kafka.status).toBe('up');
    const old = indicatorWith([partition({ commitWaitingSince: Date.now() - 31_000 })]);
    expect((await old.isHealthy('kafka')).kafka.status).toBe('down');
  });
});
