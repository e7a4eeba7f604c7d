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
