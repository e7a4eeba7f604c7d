import type { Registry } from 'prom-client';

/** Where and how the library's Prometheus metrics are registered. */
export interface MetricsOptions {
  /** Register the metrics at all. Default true. */
  enabled?: boolean;
  /** The prom-client registry to register in. Default: prom-client's global `register`. */
  registry?: Registry;
  /** Prefix of every metric name. Default `reliable_kafka_`. */
  prefix?: string;
  /**
   * How long the dedup-table row count (a `COUNT(*)` run on scrape) is reused before it is
   * counted again. Default 30000 ms; 0 counts on every scrape.
   */
  dedupCountCacheMs?: number;
  /** Buckets of the handler-duration histogram, in seconds. */
  handlerDurationBuckets?: number[];
}

/** Checks `metrics` at bootstrap; throws naming the setting. */
export function validateMetricsOptions(
  metrics: MetricsOptions | undefined,
  fail: (setting: string, message: string) => never,
): void {
  if (metrics === undefined) return;
  if (metrics === null || typeof metrics !== 'object')
    fail('metrics', 'give an object: { registry?, prefix?, enabled? }');
  if (metrics.enabled !== undefined && typeof metrics.enabled !== 'boolean')
    fail('metrics.enabled', 'give true or false');
  if (
    metrics.prefix !== undefined &&
    (typeof metrics.prefix !== 'string' || !/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(metrics.prefix))
  ) {
    fail(
      'metrics.prefix',
      `"${String(metrics.prefix)}" is not a Prometheus metric name prefix (letters, digits, _ and :, not starting with a digit)`,
    );
  }
  if (
    metrics.registry !== undefined &&
    typeof (metrics.registry as { registerMetric?: unknown })?.registerMetric !== 'function'
  ) {
    fail('metrics.registry', 'give a prom-client Registry');
  }
  const cache = metrics.dedupCountCacheMs;
  if (cache !== undefined && (!Number.isInteger(cache) || cache < 0))
    fail('metrics.dedupCountCacheMs', 'give a whole number of milliseconds >= 0');
  const buckets = metrics.handlerDurationBuckets;
  if (
    buckets !== undefined &&
    (!Array.isArray(buckets) ||
      buckets.length === 0 ||
      buckets.some((b) => typeof b !== 'number' || !(b > 0)))
  ) {
    fail('metrics.handlerDurationBuckets', 'give a non-empty list of positive numbers of seconds');
  }
}
