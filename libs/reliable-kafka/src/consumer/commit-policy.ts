import type { CommitStrategy } from '../options/reliable-kafka.options';

/**
 * When a partition's finished offsets are committed. Whatever the answer, only finished offsets
 * are ever committed: the strategy trades commit requests against redeliveries after a crash.
 */
export class CommitPolicy {
  constructor(private readonly strategy: CommitStrategy) {}

  /** After one message finished. */
  afterMessage(pending: number, msSinceCommit: number): boolean {
    switch (this.strategy.strategy) {
      case 'record':
        return pending > 0;
      case 'batch':
        return false;
      case 'periodic':
        return this.periodicDue(pending, msSinceCommit);
    }
  }

  /** After the messages of one fetched batch were handled (or handling stopped). */
  afterBatch(pending: number, msSinceCommit: number): boolean {
    if (this.strategy.strategy === 'periodic') return this.periodicDue(pending, msSinceCommit);
    return pending > 0;
  }

  /** Interval of the timer that flushes idle partitions, for the periodic strategy. */
  get flushIntervalMs(): number | null {
    return this.strategy.strategy === 'periodic' ? (this.strategy.everyMs ?? null) : null;
  }

  private periodicDue(pending: number, msSinceCommit: number): boolean {
    if (this.strategy.strategy !== 'periodic' || pending === 0) return false;
    const { everyRecords, everyMs } = this.strategy;
    return (
      (everyRecords !== undefined && pending >= everyRecords) ||
      (everyMs !== undefined && msSinceCommit >= everyMs)
    );
  }
}
