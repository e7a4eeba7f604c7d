/**
 * Tracks one partition's messages from start to finish and says which offset may be committed:
 * the highest *contiguous* finished offset + 1. A message that finished out of order (key-level
 * concurrency) is not committed past a slower one before it, so a crash never skips it.
 */
export class OffsetTracker {
  /** Started and not yet released, in offset order. */
  private readonly started: bigint[] = [];
  private readonly finished = new Set<bigint>();
  /** Finished past an unfinished one that was abandoned: fetched again, they need no second delivery. */
  private readonly finishedAhead = new Set<bigint>();
  private next: bigint | null = null;
  private committed: bigint | null = null;

  /** Offsets must be started in increasing order, as they are fetched. */
  start(offset: string | bigint): void {
    const value = BigInt(offset);
    const last = this.started[this.started.length - 1];
    if (last !== undefined && value <= last) {
      throw new Error(`offset ${value} started after ${last}: offsets must increase`);
    }
    this.started.push(value);
  }

  finish(offset: string | bigint): void {
    const value = BigInt(offset);
    // In order is the common case: no scan.
    if (this.started[0] !== value && !this.started.includes(value)) {
      throw new Error(`offset ${value} finished but never started`);
    }
    this.finished.add(value);
    while (this.started.length > 0 && this.finished.has(this.started[0])) {
      const done = this.started.shift() as bigint;
      this.finished.delete(done);
      this.next = done + 1n;
    }
  }

  /**
   * Forget started-but-unfinished messages (they will be fetched again), e.g. after a failure. Those
   * that finished past them are fetched again too; they are remembered, see `finishedBefore`.
   */
  abandonUnfinished(): void {
    for (const offset of this.finished) this.finishedAhead.add(offset);
    this.started.length = 0;
    this.finished.clear();
  }

  /**
   * True (once) for an offset that had finished when the messages before it were abandoned: its
   * effect is committed or it was dead-lettered, so it is started and finished again without being
   * delivered again (which would be a duplicate transaction, or a second dead letter).
   */
  finishedBefore(offset: string | bigint): boolean {
    if (this.finishedAhead.size === 0) return false;
    const value = BigInt(offset);
    // Offsets come back in order: one below this one will not (compacted away): forget it.
    for (const done of this.finishedAhead) if (done < value) this.finishedAhead.delete(done);
    return this.finishedAhead.delete(value);
  }

  /** The offset after the highest contiguous finished record, or null when none finished. */
  nextOffset(): string | null {
    return this.next === null ? null : this.next.toString();
  }

  /** The offset to commit now, or null when nothing new has finished contiguously. */
  committable(): string | null {
    if (this.next === null || (this.committed !== null && this.next <= this.committed)) return null;
    return this.next.toString();
  }

  markCommitted(offset: string): void {
    const value = BigInt(offset);
    if (this.committed === null || value > this.committed) this.committed = value;
  }

  /** Messages started and not yet finished. */
  get inFlight(): number {
    return this.started.length - this.finished.size;
  }
}
