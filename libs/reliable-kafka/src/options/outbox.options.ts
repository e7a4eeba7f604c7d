/** The transactional outbox: a table written in the business transaction and a relay publishing it. */
export interface OutboxOptions {
  /** Run the relay in this application. Default false (the OutboxService can still write rows). */
  enabled?: boolean;
  /** Table holding outbox rows. Default `reliable_kafka_outbox`. */
  tableName?: string;
  /** Pause between relay polls when nothing is pending. Default 500 ms. */
  pollIntervalMs?: number;
  /** Rows published per relay round. Default 100. */
  batchSize?: number;
  /** Pause after a failed round before retrying. Default 1000 ms. */
  retryDelayMs?: number;
  /** Longest wait for the round in progress at shutdown. Default 10000 ms. */
  drainTimeoutMs?: number;
  /** Create the table at bootstrap when missing. Default false (use the migration). */
  createTable?: boolean;
}
