import type { AtLeastOnceHandlerOptions } from './at-least-once-handler.options';

/** What only a batch handler has; stored as its own metadata. */
export interface BatchHandlerSettings {
  /**
   * Most records per handler call and per transaction (1-1000, default 100). A call never spans
   * two fetched batches or two partitions, so it may get fewer.
   */
  maxRecords?: number;
}

/** A batch handler runs its records in batch transactions; `processing` is not a choice here. */
export type AtLeastOnceBatchHandlerOptions = Omit<AtLeastOnceHandlerOptions, 'processing'> &
  BatchHandlerSettings;
