import type { PartitionStatus } from '../observability/consumer-status';
import { type DeliveryState, newDeliveryState } from './delivery-state';
import { OffsetTracker } from './offset-tracker';

/** What the consumer keeps about one assigned partition. */
export class PartitionState {
  tracker = new OffsetTracker();
  lastCommitAt = Date.now();
  /** Finished records not yet committed. */
  pending = 0;
  /** Records being retried, by offset: their attempt counts survive re-fetches. */
  readonly deliveries = new Map<string, DeliveryState>();
  /** Set while the partition is paused for a back-off. */
  resumeTimer?: NodeJS.Timeout;
  committedOffset: string | null = null;
  highWatermark: string | null = null;
  lastProgressAt = Date.now();
  /** Commits of one partition are chained, so a later offset never lands before an earlier one. */
  commitChain: Promise<void> = Promise.resolve();
  /**
   * Since when a finished offset has waited to be committed: set when a commit starts and none
   * waits yet, cleared when one succeeds; a failed or hanging commit leaves it (health reads it).
   */
  commitWaitingSince?: number;
  /**
   * The offset this member last committed since it began working the partition (or again after a
   * rebalance that reset it): the only one the commit probe may commit again. `committedOffset`
   * may be older than the group's, after another member owned the partition meanwhile.
   */
  ownCommit: string | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  deliveryFor(offset: string): DeliveryState {
    let state = this.deliveries.get(offset);
    if (!state) {
      state = newDeliveryState(offset);
      this.deliveries.set(offset, state);
    }
    return state;
  }

  /** A point-in-time view for metrics and health. */
  status(): PartitionStatus {
    const lag =
      this.highWatermark === null
        ? null
        : Number(BigInt(this.highWatermark) - BigInt(this.committedOffset ?? this.highWatermark));
    return {
      topic: this.topic,
      partition: this.partition,
      committedOffset: this.committedOffset,
      highWatermark: this.highWatermark,
      lag: lag === null ? null : Math.max(0, lag),
      inFlight: this.tracker.inFlight,
      paused: this.resumeTimer !== undefined,
      headDeliveries: Math.max(0, ...[...this.deliveries.values()].map((d) => d.deliveries)),
      lastProgressAt: this.lastProgressAt,
      commitWaitingSince: this.commitWaitingSince ?? null,
    };
  }

  /** After a rebalance the partition restarts from its committed offset: finished-but-uncommitted work is forgotten. */
  resetProgress(): void {
    this.tracker = new OffsetTracker();
    this.pending = 0;
    this.ownCommit = null;
    this.commitWaitingSince = undefined;
  }
}
