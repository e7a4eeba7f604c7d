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
  /**
   * Store a key or header that is bytes but not UTF-8 text (a binary trace id, `k\xff`) byte for
   * byte, in the rows' bytes form. Default false: such a key or header is refused when written
   * (SerializationError, the caller's transaction fails). Every relay of this version reads the
   * bytes form; a relay of an earlier version fails its rounds on such a row, so turn this on only
   * once every instance that relays runs this version.
   */
  binaryKeysAndHeaders?: boolean;
}
