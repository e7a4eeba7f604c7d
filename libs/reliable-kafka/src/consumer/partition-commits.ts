import type { Logger } from '@nestjs/common';
import type { ConsumerClient } from '../kafka/port/consumer-client';
import type { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import type { PartitionState } from './partition-state';

/** Commits the partitions of one group: only contiguous finished offsets, in order per partition. */
export class PartitionCommits {
  constructor(
    private readonly groupId: string,
    private readonly consumer: () => ConsumerClient | undefined,
    private readonly events: ReliableKafkaEvents,
    private readonly logger: Logger,
  ) {}

  /** Commits the partition's contiguous finished offset; commits of one partition run one after another. */
  commit(state: PartitionState): Promise<void> {
    const next = state.commitChain.then(() => this.commitNow(state));
    state.commitChain = next.catch(() => undefined);
    return next;
  }

  /** Commits every partition, logging (not throwing) a failure. */
  async flushAll(partitions: Iterable<PartitionState>, reason: string): Promise<void> {
    for (const state of partitions) {
      try {
        await this.commit(state);
      } catch (error) {
        // Not fatal: an uncommitted finished record is redelivered and its dedup record absorbs it.
        this.logger.warn(
          `commit on ${reason} failed for ${state.topic}[${state.partition}]: ${(error as Error).message}`,
        );
      }
    }
  }

  /**
   * The commit probe: commits the committed offset again on the idle partition committed longest
   * ago, if that was `idleMs` ago or its last probe has not succeeded. A group whose records stopped
   * coming commits nothing, so without it a group that can no longer commit (its coordinator
   * gone, the offsets topic below min.insync.replicas) would look healthy until records came. One
   * partition per group is enough: a group's commits all go to its one coordinator. Never throws;
   * a failure shows as the partition's `commitWaitingSince`.
   */
  async probe(partitions: Iterable<PartitionState>, idleMs: number): Promise<void> {
    const now = Date.now();
    const idle = [...partitions].filter(
      (s) => s.committedOffset !== null && s.tracker.committable() === null,
    );
    const target = idle.sort((a, b) => a.lastCommitAt - b.lastCommitAt)[0];
    if (!target) return;
    if (target.commitWaitingSince === undefined && now - target.lastCommitAt < idleMs) return;
    const next = target.commitChain.then(() => this.recommit(target));
    target.commitChain = next.catch(() => undefined);
    await next.catch((error: unknown) =>
      this.logger.debug(
        `commit probe on ${target.topic}[${target.partition}] failed: ${(error as Error).message}`,
      ),
    );
  }

  private async recommit(state: PartitionState): Promise<void> {
    const offset = state.committedOffset;
    const consumer = this.consumer();
    // A real commit is due (or the partition went): it says as much as a probe would.
    if (offset === null || !consumer || state.tracker.committable() !== null) return;
    state.commitWaitingSince ??= Date.now();
    await consumer.commit([{ topic: state.topic, partition: state.partition, offset }]);
    state.commitWaitingSince = undefined;
    state.lastCommitAt = Date.now();
  }

  private async commitNow(state: PartitionState): Promise<void> {
    const offset = state.tracker.committable();
    const consumer = this.consumer();
    if (offset === null || !consumer) return;
    const started = Date.now();
    state.commitWaitingSince ??= started;
    await consumer.commit([{ topic: state.topic, partition: state.partition, offset }]);
    state.commitWaitingSince = undefined;
    state.tracker.markCommitted(offset);
    state.committedOffset = offset;
    state.pending = 0;
    state.lastCommitAt = Date.now();
    this.events.emit('committed', {
      groupId: this.groupId,
      topic: state.topic,
      partition: state.partition,
      offset,
      latencyMs: state.lastCommitAt - started,
    });
  }
}
