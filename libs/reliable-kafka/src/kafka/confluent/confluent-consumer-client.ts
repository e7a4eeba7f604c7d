import { toMessageRecord } from '../fetched-message-record';
import type {
  Assignment,
  ConsumerClient,
  ConsumerListener,
  ConsumerSettings,
  PartitionBatch,
  Subscription,
  TopicPartitionOffset,
} from '../port/consumer-client';
import type {
  ConfluentConsumer,
  ConfluentEachBatchPayload,
  ConfluentKafka,
  ConfluentTopicPartition,
} from './confluent-api';
import type { ConfluentConsumerOptions } from './confluent-client-options';
import { LibrdkafkaErrorCode } from './confluent-errors';

/** The client assembles batches itself from its cache; this many records at most (its default: 32). */
const MIN_BATCH_RECORDS = 32;

/** librdkafka's logical offset for "the partition's first record". */
const OFFSET_BEGINNING = -2;

/** How long the rebalance callback waits for the committed offsets of a fromBeginning topic. */
const COMMITTED_LOOKUP_TIMEOUT_MS = 10_000;

/**
 * A Confluent (librdkafka) consumer in one group, through the package's KafkaJS-style API.
 *
 * - Nothing is committed by librdkafka (`autoCommit: false`) and nothing is resolved by the
 *   package (`eachBatchAutoResolve: false`): after a batch, the package seeks back to the first
 *   record not resolved, so it is fetched again, as the port asks.
 * - Assignments come through librdkafka's rebalance callback, which the package awaits: a revoke
 *   is told to the listener (`revoking`) while the partitions are still owned, so what finished is
 *   committed first. The classic protocol is eager (every partition revoked, then all assigned);
 *   the consumer protocol (KIP-848) is incremental: only the partitions that move are revoked,
 *   the others go on where they are.
 * - `heartbeat()` does nothing: librdkafka heartbeats on its own thread.
 * - There is no `stop()` in the package: this one pauses every partition and waits for the
 *   batches in hand, so the member stays in the group until `disconnect()`.
 * - The client reconnects by itself and never crashes in the kafkajs sense: `crashed` is not
 *   called. librdkafka's errors go to the log.
 */
export class ConfluentConsumerClient implements ConsumerClient {
  private consumer?: ConfluentConsumer;
  private listener?: ConsumerListener;
  private readonly owned = new Map<string, Set<number>>();
  private readonly fromBeginning = new Set<string>();
  /** Some topics start at their first record and others at their end. */
  private mixedStarts = false;
  private batchesInHand = 0;
  private stopping = false;

  constructor(
    private readonly kafka: ConfluentKafka,
    private readonly groupId: string,
    private readonly settings: ConsumerSettings,
    private readonly options: ConfluentConsumerOptions = {},
  ) {}

  async start(subscriptions: Subscription[], listener: ConsumerListener): Promise<void> {
    this.listener = listener;
    this.stopping = false;
    for (const { topic, fromBeginning } of subscriptions) {
      if (fromBeginning) this.fromBeginning.add(topic);
    }
    this.mixedStarts =
      this.fromBeginning.size > 0 && this.fromBeginning.size < subscriptions.length;
    const classic = (this.options.groupProtocol ?? 'classic') === 'classic';
    const consumer = this.kafka.consumer({
      kafkaJS: {
        groupId: this.groupId,
        autoCommit: false,
        // Where a partition without a committed offset starts; a topic that differs from the
        // rest is started at its first record in the rebalance callback (startingOffsets).
        fromBeginning: subscriptions.every((s) => s.fromBeginning),
        allowAutoTopicCreation: false,
        rebalanceTimeout: this.settings.rebalanceTimeoutMs,
        maxBytesPerPartition: this.settings.maxBytesPerPartition,
        maxWaitTimeInMs: this.settings.maxWaitTimeMs,
        // The consumer protocol refuses these: the broker's group.consumer.* settings rule.
        ...(classic && {
          sessionTimeout: this.settings.sessionTimeoutMs,
          heartbeatInterval: this.settings.heartbeatIntervalMs,
        }),
      },
      'group.protocol': classic ? 'classic' : 'consumer',
      ...(this.options.groupInstanceId !== undefined && {
        'group.instance.id': this.options.groupInstanceId,
      }),
      'js.consumer.max.batch.size': Math.max(MIN_BATCH_RECORDS, this.settings.maxBatchRecords),
      rebalance_cb: (event: { code: number }, partitions: ConfluentTopicPartition[]) =>
        this.onRebalance(event.code, partitions),
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: subscriptions.map((s) => s.topic) });
    await consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    await this.member().commitOffsets(offsets);
  }

  async stop(): Promise<void> {
    const consumer = this.member();
    this.stopping = true;
    const topics = [...this.owned].map(([topic, partitions]) => ({
      topic,
      partitions: [...partitions],
    }));
    if (topics.length > 0) consumer.pause(topics);
    while (this.batchesInHand > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  async disconnect(): Promise<void> {
    const consumer = this.member();
    this.stopping = true;
    try {
      await consumer.disconnect();
    } finally {
      this.owned.clear();
      this.listener?.stopped();
    }
  }

  private async onBatch(payload: ConfluentEachBatchPayload): Promise<void> {
    // Left unresolved: the package seeks back, and the next owner reads them from the commit.
    if (this.stopping) return;
    this.batchesInHand++;
    try {
      await this.listener!.eachBatch(this.partitionBatch(payload));
    } finally {
      this.batchesInHand--;
    }
  }

  private partitionBatch(payload: ConfluentEachBatchPayload): PartitionBatch {
    const { topic, partition, messages, highWatermark } = payload.batch;
    const records = messages.map((message) => toMessageRecord(topic, partition, message));
    const last = records[records.length - 1];
    return {
      topic,
      partition,
      records,
      // Not known yet ('-1001', OFFSET_INVALID): at least past the last record fetched.
      highWatermark:
        BigInt(highWatermark) >= 0n ? highWatermark : (BigInt(last?.offset ?? '0') + 1n).toString(),
      // Stale: pause() or seek() was called for the partition while its batch was in hand.
      isActive: () => !this.stopping && payload.isRunning() && !payload.isStale(),
      resolveOffset: (offset) => payload.resolveOffset(offset),
      heartbeat: () => payload.heartbeat(),
      pause: () => {
        const resume = payload.pause();
        return () => {
          // A partition revoked meanwhile is not this member's to resume; another consumes it.
          if (this.owned.get(topic)?.has(partition)) resume?.();
        };
      },
    };
  }

  /**
   * librdkafka's rebalance callback, awaited by the package before it applies the change. What
   * it returns is assigned instead of `partitions` (with starting offsets).
   */
  private async onRebalance(
    code: number,
    partitions: ConfluentTopicPartition[],
  ): Promise<ConfluentTopicPartition[] | void> {
    const listener = this.listener!;
    const incremental = this.member().rebalanceProtocol() === 'COOPERATIVE';
    if (code === LibrdkafkaErrorCode.ERR__REVOKE_PARTITIONS) {
      await listener.revoking(assignmentOf(partitions));
      for (const { topic, partition } of partitions) this.owned.get(topic)?.delete(partition);
      // An incremental revoke may be all that happens: the member keeps the rest.
      if (incremental) listener.assigned(this.assignment(), undefined, true);
      return;
    }
    if (code !== LibrdkafkaErrorCode.ERR__ASSIGN_PARTITIONS) return;
    if (!incremental) this.owned.clear();
    for (const { topic, partition } of partitions) {
      let owned = this.owned.get(topic);
      if (!owned) this.owned.set(topic, (owned = new Set()));
      owned.add(partition);
    }
    listener.assigned(this.assignment(), undefined, incremental);
    return this.startingOffsets(partitions);
  }

  /**
   * Partitions of a fromBeginning topic in a group whose other topics start at the end: those
   * without a committed offset are assigned at their first record. Undefined: nothing to change.
   */
  private async startingOffsets(
    partitions: ConfluentTopicPartition[],
  ): Promise<ConfluentTopicPartition[] | undefined> {
    const early = partitions.filter(({ topic }) => this.fromBeginning.has(topic));
    if (!this.mixedStarts || early.length === 0) return undefined;
    const committed = await this.member().committed(
      early.map(({ topic, partition }) => ({ topic, partition })),
      COMMITTED_LOOKUP_TIMEOUT_MS,
    );
    const uncommitted = new Set(
      committed.filter((c) => BigInt(c.offset) < 0n).map((c) => `${c.topic}:${c.partition}`),
    );
    return partitions.map(({ topic, partition }) =>
      uncommitted.has(`${topic}:${partition}`)
        ? { topic, partition, offset: OFFSET_BEGINNING }
        : { topic, partition },
    );
  }

  private assignment(): Assignment {
    const assignment: Assignment = {};
    for (const [topic, partitions] of this.owned) {
      if (partitions.size > 0) assignment[topic] = [...partitions].sort((a, b) => a - b);
    }
    return assignment;
  }

  private member(): ConfluentConsumer {
    if (!this.consumer) throw new Error(`the consumer of group ${this.groupId} is not started`);
    return this.consumer;
  }
}

function assignmentOf(partitions: ConfluentTopicPartition[]): Assignment {
  const assignment: Assignment = {};
  for (const { topic, partition } of partitions) (assignment[topic] ??= []).push(partition);
  return assignment;
}
