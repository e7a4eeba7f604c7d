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

  private probing = false;

  /**
   * The commit probe, run on a timer. A group whose records stopped coming commits nothing, so a
   * group that can no longer commit (its coordinator gone, the offsets topic below
   * min.insync.replicas) would look healthy until records came, and a commit that failed on an
   * idle partition would never be tried again (health would stay down). So, one partition per
   * round (a group's commits all go to its one coordinator):
   * - a partition whose commit failed and that still has a finished offset to commit: that
   *   commit is tried again;
   * - else the idle partition committed longest ago, if that was `idleMs` ago: the offset this
   *   member committed last is committed again.
   * A round is skipped while the last one is still waiting. Never throws; a failure shows as
   * the partition's `commitWaitingSince`.
   */
  async probe(partitions: Iterable<PartitionState>, idleMs: number): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const all = [...partitions];
      const failed = all.find(
        (s) => s.commitWaitingSince !== undefined && s.tracker.committable() !== null,
      );
      if (failed) {
        await this.commit(failed).catch((error: unknown) => this.probeFailed(failed, error));
        return;
      }
      const idle = all
        .filter((s) => s.ownCommit !== null && s.tracker.committable() === null)
        .sort((a, b) => a.lastCommitAt - b.lastCommitAt)[0];
      if (!idle) return;
      if (idle.commitWaitingSince === undefined && Date.now() - idle.lastCommitAt < idleMs) return;
      const next = idle.commitChain.then(() => this.recommit(idle));
      idle.commitChain = next.catch(() => undefined);
      await next.catch((error: unknown) => this.probeFailed(idle, error));
    } finally {
      this.probing = false;
    }
  }

  private probeFailed(state: PartitionState, error: unknown): void {
    this.logger.debug(
      `commit probe on ${state.topic}[${state.partition}] failed: ${(error as Error).message}`,
    );
  }

  private async recommit(state: PartitionState): Promise<void> {
    const offset = state.ownCommit;
    const consumer = this.consumer();
    // A real commit is due (or the partition was reset or went): it says as much as a probe would.
    if (offset === null || !consumer || state.tracker.committable() !== null) return;
    state.commitWaitingSince ??= Date.now();
    await consumer.commit([{ topic: state.topic, partition: state.partition, offset }]);
    // Reset meanwhile (a rebalance): the wait it started is no longer this member's.
    if (state.ownCommit !== offset) return;
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
    state.ownCommit = offset;
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
