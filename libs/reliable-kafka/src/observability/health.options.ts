/**
 * The health check's settings. In a file of its own, without @nestjs/terminus, so that the main
 * entry's types compile in an app that does not install that optional peer.
 */
export interface ReliableKafkaHealthOptions {
  /**
   * A partition with records in flight (or paused on its head record) and no finished record for
   * this long is reported as stuck. Default 300000 ms (5 min).
   */
  stuckAfterMs?: number;
  /** Longest wait for the broker and the database to answer. Default 3000 ms. */
  timeoutMs?: number;
}
