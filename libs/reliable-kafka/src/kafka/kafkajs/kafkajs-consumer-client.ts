import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type {
  ConsumerClient,
  ConsumerListener,
  ConsumerSettings,
  PartitionBatch,
  Subscription,
  TopicPartitionOffset,
} from '../port/consumer-client';
import { toMessageRecord } from '../fetched-message-record';

/**
 * A kafkajs consumer in one group: no auto-commit and no auto-resolve, so kafkajs fetches a
 * partition again from the record after the last resolved one and commits only what the library
 * commits. kafkajs says nothing before a rebalance takes partitions away (no `revoking`): a
 * heartbeat fails instead, and the next GROUP_JOIN reports the new assignment. Its batches are
 * as large as `maxBytesPerPartition` allows; `maxBatchRecords` does not apply.
 */
export class KafkajsConsumerClient implements ConsumerClient {
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly settings: ConsumerSettings,
  ) {}

  async start(subscriptions: Subscription[], listener: ConsumerListener): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: this.settings.heartbeatIntervalMs,
      rebalanceTimeout: this.settings.rebalanceTimeoutMs,
      maxBytesPerPartition: this.settings.maxBytesPerPartition,
      maxWaitTimeInMs: this.settings.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
      listener.assigned(payload.memberAssignment, payload.duration),
    );
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      listener.crashed(payload.error, payload.restart),
    );
    consumer.on(consumer.events.STOP, () => listener.stopped());
    consumer.on(consumer.events.DISCONNECT, () => listener.stopped());
    await consumer.connect();
    for (const { topic, fromBeginning } of subscriptions) {
      await consumer.subscribe({ topics: [topic], fromBeginning });
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
      eachBatch: (payload) => listener.eachBatch(partitionBatch(payload)),
    });
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    await this.member().commitOffsets(offsets);
  }

  async stop(): Promise<void> {
    await this.member().stop();
  }

  async disconnect(): Promise<void> {
    await this.member().disconnect();
  }

  private member(): Consumer {
    if (!this.consumer) throw new Error(`the consumer of group ${this.groupId} is not started`);
    return this.consumer;
  }
}

/** A kafkajs batch as the port's: the records converted, the callbacks as kafkajs gives them. */
function partitionBatch({
  batch,
  heartbeat,
  isRunning,
  isStale,
  resolveOffset,
  pause,
}: EachBatchPayload): PartitionBatch {
  const { topic, partition } = batch;
  return {
    topic,
    partition,
    records: batch.messages.map((message) => toMessageRecord(topic, partition, message)),
    highWatermark: batch.highWatermark,
    // Stale: a seek (kafkajs's own, after a rebalance) moved the partition past this batch.
    isActive: () => isRunning() && !isStale(),
    resolveOffset,
    heartbeat,
    pause,
  };
}
