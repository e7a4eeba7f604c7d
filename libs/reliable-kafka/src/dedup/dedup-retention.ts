import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { describeThrown } from '../errors/thrown-value';
import type { DedupStore } from './dedup-store';

/** Most statements one cleanup round runs, so that a huge backlog is worked off over rounds. */
const MAX_BATCHES_PER_ROUND = 100;

/**
 * Deletes dedup records older than the retention window, in bounded batches on a timer. Several
 * instances may run it at once: each DELETE removes only expired rows, whoever gets them first.
 */
export class DedupRetention {
  private readonly logger = new Logger('ReliableKafka:dedup');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly store: DedupStore,
    private readonly dataSource: DataSource,
    private readonly retentionMs: number,
    private readonly intervalMs: number,
    private readonly batchSize: number,
    private readonly onDeleted?: (count: number) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.cleanOnce().finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One cleanup round; returns how many records it deleted. */
  async cleanOnce(now: number = Date.now()): Promise<number> {
    const before = now - this.retentionMs;
    let total = 0;
    try {
      for (let batch = 0; batch < MAX_BATCHES_PER_ROUND; batch++) {
        const deleted = await this.store.deleteExpired(this.dataSource, before, this.batchSize);
        total += deleted;
        if (deleted < this.batchSize) break;
      }
    } catch (error) {
      this.logger.warn(`dedup cleanup failed, will try again: ${describeThrown(error)}`);
    }
    if (total > 0) this.onDeleted?.(total);
    return total;
  }
}
