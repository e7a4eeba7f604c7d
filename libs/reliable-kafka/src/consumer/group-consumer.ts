import { Logger } from '@nestjs/common';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { HandlerDefinition } from '../discovery/handler-definition';
import { toMessageRecord } from '../kafka/kafkajs/kafkajs-record';
import type { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import type { ReliableKafkaConsumerOptions } from '../options/reliable-kafka.options';
import type { BatchTransactionProcessing } from './batch-transaction-processing';
import type { CommitPolicy } from './commit-policy';
import type { GroupStatus } from '../observability/consumer-status';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import { processByKey } from './key-concurrent-processing';
import type { MessageProcessor } from './message-processor';
import { PartitionCommits } from './partition-commits';
import type { PartitionRun } from './partition-run';
import { PartitionState } from './partition-state';
import {
  DEFAULT_BATCH_TRANSACTION_RECORDS,
  DEFAULT_KEY_CONCURRENCY,
} from '../options/processing.options';
import { processSequentially } from './sequential-processing';
import { waitUntil, withTimeout } from './bounded-wait';

/**
 * One kafkajs consumer for one consumer group: fetches, hands each record to its handler in
 * partition order, and commits a partition's offset only after its records have finished.
 */
export class GroupConsumer {
  private readonly logger: Logger;
  private consumer?: Consumer;
  private readonly partitions = new Map<string, PartitionState>();
  private flushTimer?: NodeJS.Timeout;
  private stopping = false;
  private activeBatches = 0;
  private running = false;
  private lastCrash?: GroupStatus['lastCrash'];
  private readonly commits: PartitionCommits;

  constructor(
    private readonly kafka: Kafka,
    readonly groupId: string,
    private readonly handlers: Map<string, HandlerDefinition>,
    private readonly options: ReliableKafkaConsumerOptions,
    private readonly policy: CommitPolicy,
    private readonly processor: MessageProcessor,
    private readonly batches: BatchTransactionProcessing,
    private readonly events: ReliableKafkaEvents,
  ) {
    this.logger = new Logger(`ReliableKafka:${groupId}`);
    this.commits = new PartitionCommits(groupId, () => this.consumer, events, this.logger);
  }

  get topics(): string[] {
    return [...this.handlers.keys()];
  }

  async start(): Promise<void> {
    this.stopping = false;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.options.sessionTimeout ?? 30_000,
      heartbeatInterval: this.options.heartbeatInterval ?? 3_000,
      rebalanceTimeout: this.options.rebalanceTimeout ?? 60_000,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs ?? 500,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.running = true;
      this.onAssignment(payload.memberAssignment);
      this.events.emit('rebalanced', {
        groupId: this.groupId,
        assignment: payload.memberAssignment,
        durationMs: payload.duration,
      });
      this.logger.log(
        `rebalanced in ${payload.duration} ms; assigned ${JSON.stringify(payload.memberAssignment)}`,
      );
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.running = false;
      this.lastCrash = {
        at: Date.now(),
        error: payload.error.message,
        restarting: payload.restart,
      };
      this.logger.error(
        `consumer crashed (${payload.restart ? 'restarting' : 'not restarting'}): ${payload.error.message}`,
      );
    });
    consumer.on(consumer.events.STOP, () => (this.running = false));
    consumer.on(consumer.events.DISCONNECT, () => (this.running = false));
    await consumer.connect();
    for (const [topic, handler] of this.handlers) {
      // A new group must not skip records already waiting on a retry topic.
      const isRetryTopic = handler.retryTopics.some((r) => r.topic === topic);
      await consumer.subscribe({
        topics: [topic],
        fromBeginning: handler.fromBeginning || isRetryTopic,
      });
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
    const flushEvery = this.policy.flushIntervalMs;
    if (flushEvery !== null) {
      this.flushTimer = setInterval(
        () => void this.commits.flushAll(this.partitions.values(), 'timer'),
        flushEvery,
      );
      this.flushTimer.unref();
    }
  }

  /**
   * Stops fetching, lets the record in hand finish (bounded by `timeoutMs`: a back-off is cut
   * short), commits what finished, then leaves the group.
   */
  async stop(timeoutMs: number): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.stopping = true;
    clearInterval(this.flushTimer);
    // A paused partition's back-off is not waited out: its record is simply not committed.
    for (const state of this.partitions.values()) clearTimeout(state.resumeTimer);
    const drained = await waitUntil(() => this.activeBatches === 0, timeoutMs);
    if (!drained) {
      this.logger.warn(
        `in-flight handlers did not finish within ${timeoutMs} ms; their records will be redelivered`,
      );
    }
    // Commit while still a member of the group: after leaving, the broker refuses the commit.
    await this.commits.flushAll(this.partitions.values(), 'shutdown');
    await withTimeout(consumer.stop(), timeoutMs);
    await consumer.disconnect();
    this.consumer = undefined;
  }

  status(): GroupStatus {
    return {
      groupId: this.groupId,
      topics: this.topics,
      running: this.running && !this.stopping,
      lastCrash: this.lastCrash,
      partitions: [...this.partitions.values()].map((state) => state.status()),
    };
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    if (this.stopping) return;
    this.activeBatches++;
    try {
      await this.processBatch(payload);
    } finally {
      this.activeBatches--;
    }
  }

  private async processBatch({
    batch,
    heartbeat,
    isRunning,
    isStale,
    resolveOffset,
    pause,
  }: EachBatchPayload): Promise<void> {
    const handler = this.handlers.get(batch.topic);
    if (!handler) return;
    const state = this.stateOf(batch.topic, batch.partition);
    state.highWatermark = batch.highWatermark;
    const run: PartitionRun = {
      handler,
      state,
      records: batch.messages.map((message) =>
        toMessageRecord(batch.topic, batch.partition, message),
      ),
      shouldStop: () => this.stopping || !isRunning() || isStale(),
      finished: (records) => this.finished(state, records, resolveOffset, heartbeat),
      // Not finished: leave the records unresolved (they are fetched again from the first one) and
      // pause only this partition for the back-off; the consumer serves the others meanwhile.
      retryLater: (delayMs) => {
        state.tracker.abandonUnfinished();
        this.pauseFor(state, pause, delayMs);
      },
    };

    const processing = handler.processing;
    if (processing.mode === 'key-concurrency') {
      await processByKey(run, this.processor, processing.maxConcurrency ?? DEFAULT_KEY_CONCURRENCY);
    } else if (processing.mode === 'batch-transaction') {
      await this.batches.process(run, processing.maxRecords ?? DEFAULT_BATCH_TRANSACTION_RECORDS);
    } else {
      await processSequentially(run, this.processor);
    }
    if (
      run.shouldStop() ||
      state.resumeTimer ||
      this.policy.afterBatch(state.pending, Date.now() - state.lastCommitAt)
    ) {
      await this.commits.commit(state);
    }
  }

  private async finished(
    state: PartitionState,
    records: KafkaMessageRecord[],
    resolveOffset: (offset: string) => void,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    for (const record of records) {
      state.tracker.finish(record.offset);
      state.deliveries.delete(record.offset);
    }
    state.pending += records.length;
    state.lastProgressAt = Date.now();
    // Resolve only up to the contiguous finished offset: kafkajs fetches again from there.
    const next = state.tracker.nextOffset();
    if (next !== null) resolveOffset((BigInt(next) - 1n).toString());
    if (this.policy.afterMessage(state.pending, Date.now() - state.lastCommitAt)) {
      await this.commits.commit(state);
    }
    await this.heartbeat(heartbeat, state);
  }

  private pauseFor(state: PartitionState, pause: () => () => void, delayMs: number): void {
    const resume = pause();
    clearTimeout(state.resumeTimer);
    state.resumeTimer = setTimeout(() => {
      state.resumeTimer = undefined;
      if (!this.stopping) resume();
    }, delayMs);
  }

  /** A heartbeat that reveals a rebalance commits what has finished before the partition goes. */
  private async heartbeat(beat: () => Promise<void>, state: PartitionState): Promise<void> {
    try {
      await beat();
    } catch (error) {
      await this.commits.commit(state).catch(() => undefined);
      throw error;
    }
  }

  /** Partitions no longer assigned are forgotten; their new owner starts from the committed offset. */
  private onAssignment(assignment: Record<string, number[]>): void {
    for (const [key, state] of this.partitions) {
      if (!assignment[state.topic]?.includes(state.partition)) this.partitions.delete(key);
    }
    // A kept partition restarts from its committed offset too: forget finished-but-uncommitted
    // work. A pending back-off timer stays, so a paused partition is resumed.
    for (const state of this.partitions.values()) state.resetProgress();
  }

  private stateOf(topic: string, partition: number): PartitionState {
    const key = `${topic}\u0000${partition}`;
    let state = this.partitions.get(key);
    if (!state) {
      state = new PartitionState(topic, partition);
      this.partitions.set(key, state);
    }
    return state;
  }
}
