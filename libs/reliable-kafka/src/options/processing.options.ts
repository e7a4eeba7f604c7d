/**
 * How a handler's records are run. Every mode keeps the guarantees (offsets committed after the
 * effects, effects applied once); they differ in throughput and in what is ordered.
 */
export type ProcessingOptions =
  /** One record at a time per partition, one transaction per record. Default. */
  | { mode: 'sequential' }
  /**
   * One transaction for a run of up to `maxRecords` records of a partition, with one multi-row
   * dedup insert. If any record fails, the run is rolled back and redone one record per
   * transaction, so one bad record neither blocks nor doubles the others.
   */
  | { mode: 'batch-transaction'; maxRecords?: number }
  /**
   * Records of one partition with different keys run concurrently, up to `maxConcurrency`;
   * records with the same key run strictly in order. Offsets are committed up to the highest
   * contiguous finished record. Ordering holds per key, not per partition.
   */
  | { mode: 'key-concurrency'; maxConcurrency?: number };

export const DEFAULT_BATCH_TRANSACTION_RECORDS = 100;
export const DEFAULT_KEY_CONCURRENCY = 16;
