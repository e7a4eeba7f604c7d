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
