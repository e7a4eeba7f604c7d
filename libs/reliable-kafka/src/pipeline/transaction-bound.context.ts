import type { EntityManager } from 'typeorm';
import { NoOpenTransactionError } from '../errors/lifecycle.errors';

/**
 * The part of a handler's `@Ctx()` that gives it the library's transaction: bound by the
 * transaction step for the time the handler runs, so a write through it commits or rolls back
 * with the dedup records.
 */
export abstract class TransactionBoundContext {
  private manager?: EntityManager;
  abstract readonly handlerId: string;

  /** The transaction's EntityManager: every write through it commits or rolls back with the dedup records. */
  get entityManager(): EntityManager {
    if (!this.manager) throw new NoOpenTransactionError(this.handlerId);
    return this.manager;
  }

  /** @internal */
  bindEntityManager(manager: EntityManager | undefined): void {
    this.manager = manager;
  }
}
