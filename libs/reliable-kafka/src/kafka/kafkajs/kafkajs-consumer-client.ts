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

/** The first pause before the library starts a consumer kafkajs gave up on; doubled up to the max. */
const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * A kafkajs consumer in one group: no auto-commit and no auto-resolve, so kafkajs fetches a
 * partition again from the record after the last resolved one and commits only what the library
 * commits. kafkajs says nothing before a rebalance takes partitions away (no `revoking`): a
 * heartbeat fails instead, and the next GROUP_JOIN reports the new assignment. Its batches are
 * as large as `maxBytesPerPartition` allows; `maxBatchRecords` does not apply.
 *
 * kafkajs restarts a crashed consumer only when it takes the error for retriable; after any other
 * crash it stays disconnected for good, and the process consumes nothing while it lives (seen in
 * the fault suite after a long run of broker failovers: no member left in the group). So the
 * library starts a new kafkajs consumer itself, after 1 s, doubling to 30 s while starts fail;
 * the group reports the crash (health says down) until it is assigned partitions again.
 */
export class KafkajsConsumerClient implements ConsumerClient {
  private consumer?: Consumer;
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;
  private restartDelayMs = FIRST_RESTART_DELAY_MS;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly settings: ConsumerSettings,
  ) {}

  async start(subscriptions: Subscription[], listener: ConsumerListener): Promise<void> {
    this.stopping = false;
    await this.run(subscriptions, listener);
  }

  private async run(subscriptions: Subscription[], listener: ConsumerListener): Promise<void> {
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
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.restartDelayMs = FIRST_RESTART_DELAY_MS;
      listener.assigned(payload.memberAssignment, payload.duration);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      const ours = !payload.restart && !this.stopping;
      listener.crashed(payload.error, payload.restart || ours);
      if (ours) this.restartLater(subscriptions, listener);
    });
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

  /** A new kafkajs consumer after a pause; a start that fails is tried again, later each time. */
  private restartLater(subscriptions: Subscription[], listener: ConsumerListener): void {
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      void this.run(subscriptions, listener).catch(async (error: unknown) => {
        listener.crashed(error as Error, true);
        // The consumer of the failed start: its sockets and timers go before the next one.
        await this.consumer?.disconnect().catch(() => undefined);
        if (!this.stopping) this.restartLater(subscriptions, listener);
      });
    }, delay);
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    await this.member().commitOffsets(offsets);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.member().stop();
  }

  async disconnect(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
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
