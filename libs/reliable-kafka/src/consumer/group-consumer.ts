import { Logger } from '@nestjs/common';
import type { HandlerDefinition } from '../discovery/handler-definition';
import type { KafkaClientFactory } from '../kafka/port/client-factory';
import type {
  Assignment,
  ConsumerClient,
  ConsumerListener,
  ConsumerSettings,
  PartitionBatch,
} from '../kafka/port/consumer-client';
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
import { waitUntil, withTimeout } from '../kafka/bounded-wait';
import {
  COMMIT_PROBE_INTERVAL_MS,
  DEFAULT_REBALANCE_TIMEOUT_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
} from '../reliable-kafka.constants';

/**
 * One client's consumer for one consumer group: fetches, hands each record to its handler in
 * partition order, and commits a partition's offset only after its records have finished.
 */
export class GroupConsumer {
  private readonly logger: Logger;
  private consumer?: ConsumerClient;
  private readonly partitions = new Map<string, PartitionState>();
  private flushTimer?: NodeJS.Timeout;
  private probeTimer?: NodeJS.Timeout;
  private stopping = false;
  private activeBatches = 0;
  private running = false;
  private lastCrash?: GroupStatus['lastCrash'];
  /** The assignment last told, as JSON: an incremental one that repeats it is not a rebalance. */
  private lastAssignment?: string;
  private readonly commits: PartitionCommits;

  constructor(
    private readonly clients: KafkaClientFactory,
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
    this.lastAssignment = undefined;
    this.stopping = false;
    const consumer = this.clients.createConsumer(this.groupId, this.settings());
    this.consumer = consumer;
    const listener: ConsumerListener = {
      eachBatch: (batch) => this.onBatch(batch),
      assigned: (assignment, durationMs, keptGoOn) =>
        this.onAssigned(assignment, durationMs, keptGoOn === true),
      revoking: (partitions) => this.onRevoking(partitions),
      crashed: (error, restarting) => this.onCrash(error, restarting),
      stopped: () => (this.running = false),
    };
    // A new group must not skip records already waiting on a retry topic.
    const subscriptions = [...this.handlers].map(([topic, handler]) => ({
      topic,
      fromBeginning: handler.fromBeginning || handler.retryTopics.some((r) => r.topic === topic),
    }));
    await consumer.start(subscriptions, listener);
    const flushEvery = this.policy.flushIntervalMs;
    if (flushEvery !== null) {
      this.flushTimer = setInterval(
        () => void this.commits.flushAll(this.partitions.values(), 'timer'),
        flushEvery,
      );
      this.flushTimer.unref();
    }
    this.probeTimer = setInterval(
      () => void this.commits.probe(this.partitions.values(), COMMIT_PROBE_INTERVAL_MS),
      COMMIT_PROBE_INTERVAL_MS,
    );
    this.probeTimer.unref();
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
    clearInterval(this.probeTimer);
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

  private settings(): ConsumerSettings {
    const options = this.options;
    // What one partition's batch can be worked on at once: a batch transaction, or keys in flight.
    const batchRecords = [...this.handlers.values()].map(({ processing }) =>
      processing.mode === 'batch-transaction'
        ? (processing.maxRecords ?? DEFAULT_BATCH_TRANSACTION_RECORDS)
        : processing.mode === 'key-concurrency'
          ? (processing.maxConcurrency ?? DEFAULT_KEY_CONCURRENCY)
          : 1,
    );
    return {
      sessionTimeoutMs: options.sessionTimeout ?? DEFAULT_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: options.heartbeatInterval ?? 3_000,
      rebalanceTimeoutMs: options.rebalanceTimeout ?? DEFAULT_REBALANCE_TIMEOUT_MS,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeMs: options.maxWaitTimeInMs ?? 500,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      maxBatchRecords: Math.max(1, ...batchRecords),
    };
  }

  private async onBatch(batch: PartitionBatch): Promise<void> {
    if (this.stopping) return;
    this.activeBatches++;
    try {
      await this.processBatch(batch);
    } finally {
      this.activeBatches--;
    }
  }

  private async processBatch(batch: PartitionBatch): Promise<void> {
    const handler = this.handlers.get(batch.topic);
    if (!handler) return;
    const state = this.stateOf(batch.topic, batch.partition);
    state.highWatermark = batch.highWatermark;
    const run: PartitionRun = {
      handler,
      state,
      records: batch.records,
      shouldStop: () => this.stopping || !batch.isActive(),
      finished: (records) => this.finished(state, records, batch),
      // Not finished: leave the records unresolved (they are fetched again from the first one) and
      // pause only this partition for the back-off; the consumer serves the others meanwhile.
      retryLater: (delayMs) => {
        state.tracker.abandonUnfinished();
        this.pauseFor(state, () => batch.pause(), delayMs);
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
    batch: PartitionBatch,
  ): Promise<void> {
    for (const record of records) {
      state.tracker.finish(record.offset);
      state.deliveries.delete(record.offset);
    }
    state.pending += records.length;
    state.lastProgressAt = Date.now();
    // Resolve only up to the contiguous finished offset: the client fetches again from there.
    const next = state.tracker.nextOffset();
    if (next !== null) batch.resolveOffset((BigInt(next) - 1n).toString());
    if (this.policy.afterMessage(state.pending, Date.now() - state.lastCommitAt)) {
      await this.commits.commit(state);
    }
    await this.heartbeat(() => batch.heartbeat(), state);
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
  private onAssigned(
    assignment: Assignment,
    durationMs: number | undefined,
    keptGoOn: boolean,
  ): void {
    this.running = true;
    // An incremental change that moved nothing (librdkafka's assignment after a revocation it
    // already told) is not a rebalance of its own.
    const unchanged = JSON.stringify(assignment) === this.lastAssignment;
    this.lastAssignment = JSON.stringify(assignment);
    if (keptGoOn && unchanged) return;
    for (const [key, state] of this.partitions) {
      if (!assignment[state.topic]?.includes(state.partition)) this.partitions.delete(key);
    }
    // After an eager rebalance a kept partition restarts from its committed offset too: forget
    // finished-but-uncommitted work. A pending back-off timer stays, so a paused partition is
    // resumed. After an incremental one, a kept partition goes on, its batch perhaps in hand.
    if (!keptGoOn) for (const state of this.partitions.values()) state.resetProgress();
    this.events.emit('rebalanced', { groupId: this.groupId, assignment, durationMs });
    const took = durationMs === undefined ? '' : ` in ${durationMs} ms`;
    this.logger.log(`rebalanced${took}; assigned ${JSON.stringify(assignment)}`);
  }

  /** Partitions about to go commit what has finished, so their new owner redelivers less. */
  private async onRevoking(partitions: Assignment): Promise<void> {
    this.events.emit('revoking', { groupId: this.groupId, partitions });
    const going = [...this.partitions.values()].filter((state) =>
      partitions[state.topic]?.includes(state.partition),
    );
    await this.commits.flushAll(going, 'revocation');
  }

  private onCrash(error: Error, restarting: boolean): void {
    this.running = false;
    this.lastCrash = { at: Date.now(), error: error.message, restarting };
    this.logger.error(
      `consumer crashed (${restarting ? 'restarting' : 'not restarting'}): ${error.message}`,
    );
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
