/** One processed (handler, idempotency key): the row that makes a handler's effects apply once. */
export interface DedupRecord {
  handlerId: string;
  idempotencyKey: string;
  topic: string;
  partition: number;
  offset: string;
  /** Epoch milliseconds. */
  processedAt: number;
}

/**
 * The dedup records of a run of one partition's records for one handler, written by one insert:
 * what the rows share is given once.
 */
export interface DedupBatch {
  handlerId: string;
  topic: string;
  partition: number;
  /** Epoch milliseconds, one time for the whole run. */
  processedAt: number;
  /** Each record's key and offset; a key repeated within the run is inserted once. */
  entries: ReadonlyArray<{ idempotencyKey: string; offset: string }>;
}

/** The batch's rows, one per entry. */
export function dedupRecordsOf(batch: DedupBatch): DedupRecord[] {
  const { handlerId, topic, partition, processedAt } = batch;
  return batch.entries.map(({ idempotencyKey, offset }) => ({
    handlerId,
    idempotencyKey,
    topic,
    partition,
    offset,
    processedAt,
  }));
}
