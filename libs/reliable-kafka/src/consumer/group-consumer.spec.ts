import { Logger } from '@nestjs/common';
import type { HandlerDefinition } from '../discovery/handler-definition';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import type { KafkaClientFactory } from '../kafka/port/client-factory';
import type {
  ConsumerClient,
  ConsumerListener,
  PartitionBatch,
  TopicPartitionOffset,
} from '../kafka/port/consumer-client';
import { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import type { BatchTransactionProcessing } from './batch-transaction-processing';
import { CommitPolicy } from './commit-policy';
import { GroupConsumer } from './group-consumer';
import type { MessageProcessor } from './message-processor';

const TOPIC = 'orders';

/** A consumer client that only records what the group consumer asks of it. */
class RecordingClient implements ConsumerClient {
  listener!: ConsumerListener;
  readonly commits: TopicPartitionOffset[][] = [];

  async start(_subscriptions: unknown, listener: ConsumerListener): Promise<void> {
    this.listener = listener;
  }
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    this.commits.push(offsets);
  }
  async stop(): Promise<void> {}
  async disconnect(): Promise<void> {}
}

function batchOf(partition: number, offsets: number[]): PartitionBatch {
  return {
    topic: TOPIC,
    partition,
    records: offsets.map(
      (offset) =>
        ({
          topic: TOPIC,
          partition,
          offset: String(offset),
          key: null,
          value: null,
          headers: {},
          rawHeaders: {},
          timestamp: '0',
        }) as KafkaMessageRecord,
    ),
    highWatermark: String(offsets[offsets.length - 1] + 1),
    isActive: () => true,
    resolveOffset: () => undefined,
    heartbeat: async () => undefined,
    pause: () => () => undefined,
  };
}

/** A started group consumer over the recording client, committing only every 1000 records. */
async function startedGroup(events = new ReliableKafkaEvents()): Promise<RecordingClient> {
  const client = new RecordingClient();
  const clients = { createConsumer: () => client } as unknown as KafkaClientFactory;
  const handler = {
    processing: { mode: 'sequential' },
    retryTopics: [],
    fromBeginning: true,
  } as unknown as HandlerDefinition;
  const processor = {
    deliver: async () => ({ kind: 'finished' }),
  } as unknown as MessageProcessor;
  const group = new GroupConsumer(
    clients,
    'group',
    new Map([[TOPIC, handler]]),
    { groupId: 'group' },
    new CommitPolicy({ strategy: 'periodic', everyRecords: 1000 }),
    processor,
    {} as BatchTransactionProcessing,
    events,
  );
  await group.start();
  client.listener.assigned({ [TOPIC]: [0, 1] });
  return client;
}

describe('GroupConsumer over the consumer port', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('commits the finished records of the partitions the client says it is about to take away, and only those', async () => {
    const client = await startedGroup();
    await client.listener.eachBatch(batchOf(0, [0, 1, 2]));
    await client.listener.eachBatch(batchOf(1, [7]));
    expect(client.commits).toEqual([]);

    await client.listener.revoking({ [TOPIC]: [0] });

    expect(client.commits).toEqual([[{ topic: TOPIC, partition: 0, offset: '3' }]]);
  });

  it('keeps the finished work of the partitions an incremental rebalance leaves with the member', async () => {
    const incremental = await startedGroup();
    await incremental.listener.eachBatch(batchOf(1, [7]));
    await incremental.listener.revoking({ [TOPIC]: [0] });
    incremental.listener.assigned({ [TOPIC]: [1] }, undefined, true);
    await incremental.listener.revoking({ [TOPIC]: [1] });
    expect(incremental.commits).toEqual([[{ topic: TOPIC, partition: 1, offset: '8' }]]);
  });

  it('does not count an incremental assignment that repeats the last one as a rebalance', async () => {
    const events = new ReliableKafkaEvents();
    const rebalances: unknown[] = [];
    events.on('rebalanced', ({ assignment }) => rebalances.push(assignment));
    const client = await startedGroup(events);
    await client.listener.revoking({ [TOPIC]: [0] });
    client.listener.assigned({ [TOPIC]: [1] }, 3, true);
    client.listener.assigned({ [TOPIC]: [1] }, undefined, true);
    expect(rebalances).toEqual([{ [TOPIC]: [0, 1] }, { [TOPIC]: [1] }]);
  });
});
