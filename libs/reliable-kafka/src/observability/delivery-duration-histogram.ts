import { type DeliveryLabels, DeliverySeries } from './delivery-series';
import type { DeliveryEvent } from './reliable-kafka.events';

interface Counts {
  labels: DeliveryLabels;
  /** Observations per bound (not cumulative): buckets[i] counts values in (bounds[i-1], bounds[i]]. */
  buckets: number[];
  sum: number;
  count: number;
}

interface SampleValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** What prom-client's Registry (and its cluster aggregation) uses of a metric it holds. */
export interface RegistryMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: SampleValue[];
  }>;
  reset(): void;
}

/**
 * The per-record handler-duration histogram, observed once for every processed record. It serves
 * the series of a prom-client Histogram (`_bucket` by `le`, `_sum`, `_count` for each group,
 * handler and topic) and registers in a prom-client Registry like one, but keeps its counts in
 * plain arrays found through `DeliverySeries`: prom-client's Histogram validates and hashes the
 * labels on every observation, which at tens of thousands of records a second was the largest
 * metrics cost in the consumer's CPU profile.
 */
export class DeliveryDurationHistogram implements RegistryMetric {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly bounds: number[];
  private readonly series: DeliverySeries<Counts>;

  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
  ) {
    this.bounds = [...new Set(buckets)].sort((x, y) => x - y);
    this.series = new DeliverySeries((labels) => ({
      labels,
      buckets: this.bounds.map(() => 0),
      sum: 0,
      count: 0,
    }));
  }

  /** One processed record's duration (not prom-client's `observe(labels, value)`). */
  observeDelivery(event: DeliveryEvent, seconds: number): void {
    const counts = this.series.of(event);
    counts.sum += seconds;
    counts.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (seconds <= this.bounds[i]) {
        counts.buckets[i]++;
        return;
      }
    }
  }

  /** What a Registry reads when scraped: the name, help, type and samples of a histogram. */
  async get(): ReturnType<RegistryMetric['get']> {
    const values: SampleValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, buckets, sum, count } of this.series.entries()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += buckets[i];
        values.push({
          metricName: bucket,
          labels: { le: this.bounds[i], ...labels },
          value: cumulative,
        });
      }
      values.push({ metricName: bucket, labels: { le: '+Inf', ...labels }, value: count });
      values.push({ metricName: `${this.name}_sum`, labels: { ...labels }, value: sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...labels }, value: count });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }

  /** Forgets every observation (Registry.resetMetrics). */
  reset(): void {
    this.series.clear();
  }
}
