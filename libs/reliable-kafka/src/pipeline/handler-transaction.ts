import type { DedupStore } from '../dedup/dedup-store';
import type { TransactionRunner } from './transaction-runner';

/** What the interceptors need to run one delivery: handed to them through the context, not DI. */
export interface HandlerTransaction {
  runner: TransactionRunner;
  dedup: DedupStore;
  record: {
    handlerId: string;
    idempotencyKey: string;
    topic: string;
    partition: number;
    offset: string;
  };
}
