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
  /**
   * A partition whose finished offsets have waited this long to be committed (every commit since
   * failing or unanswered: the group coordinator gone, the offsets topic below its
   * min.insync.replicas) is reported as not committing. Default 30000 ms. A liveness probe
   * should not restart on it: a broker failover takes seconds; a readiness probe may.
   */
  commitStalledAfterMs?: number;
  /** Longest wait for the broker and the database to answer. Default 3000 ms. */
  timeoutMs?: number;
}
