import type { EntityManager } from 'typeorm';
import type { DedupBatch, DedupRecord } from '../dedup/dedup-record';

/** Runs work in a transaction: a new one, or one already open around a whole batch. */
export interface TransactionScope {
  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
}

/** Whether this delivery's dedup record was inserted (false: a duplicate). */
export interface DedupInsert {
  tryInsert(manager: EntityManager, record: DedupRecord): Promise<boolean>;
}

/** The idempotency keys of the run that were inserted (a repeated key is inserted once). */
export interface DedupInsertMany {
  tryInsertMany(manager: EntityManager, batch: DedupBatch): Promise<Set<string>>;
}

/** What the interceptors need to run one delivery: handed to them through the context, not DI. */
export interface HandlerTransaction {
  runner: TransactionScope;
  dedup: DedupInsert;
  record: {
    handlerId: string;
    idempotencyKey: string;
    topic: string;
    partition: number;
    offset: string;
  };
}

/** The same for a batch handler's call: one transaction, one multi-row dedup insert. */
export interface BatchHandlerTransaction {
  runner: TransactionScope;
  dedup: DedupInsertMany;
}
