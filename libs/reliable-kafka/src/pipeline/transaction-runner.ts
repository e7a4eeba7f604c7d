import type { DataSource, EntityManager } from 'typeorm';
import type { TransactionScope } from './handler-transaction';

/**
 * Runs a unit of work in one new database transaction: the DataSource's own, or the one a given
 * scope opens (the app's `TransactionHost`).
 *
 * SQLite (better-sqlite3) has a single connection per DataSource, on which TypeORM would nest a
 * second concurrent transaction as a savepoint of the first; so on SQLite transactions are queued.
 */
export class TransactionRunner implements TransactionScope {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly serialise: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly scope?: TransactionScope,
  ) {
    const type = dataSource.options.type;
    this.serialise = type === 'better-sqlite3' || type === 'sqlite';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const open = () => (this.scope ? this.scope.run(work) : this.dataSource.transaction(work));
    if (!this.serialise) return open();
    const result = this.queue.then(open);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
