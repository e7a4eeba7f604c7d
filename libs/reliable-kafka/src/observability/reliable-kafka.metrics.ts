import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import {
  Counter,
  Gauge,
  Histogram,
  type Metric,
  register as defaultRegistry,
  type Registry,
} from 'prom-client';
import { describeThrown } from '../errors/thrown-value';
import type { ResolvedOptions } from '../options/reliable-kafka.options-resolver';
import { RESOLVED_OPTIONS } from '../reliable-kafka.constants';
import { ConsumersReadModel } from './consumers-read-model';
import type { DeliveryEvent, ReliableKafkaEventMap } from './reliable-kafka.events';
import { ReliableKafkaEvents } from './reliable-kafka.events';
import { DeliveryDurationHistogram } from './delivery-duration-histogram';
import { RecordTally } from './record-tally';
import { statusGauges } from './status-gauges';

const DEFAULT_PREFIX = 'reliable_kafka_';
const DEFAULT_DEDUP_COUNT_CACHE_MS = 30_000;
const HANDLER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const COMMIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const REBALANCE_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const PRODUCE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];

type Handler = { [K in keyof ReliableKafkaEventMap]: (...args: ReliableKafkaEventMap[K]) => void };

/**
 * The library's Prometheus metrics. Counters and histograms follow the delivery events (the
 * per-record counters through tallies handed over when scraped, the per-record duration histogram
 * through plain arrays: see DeliveryDurationHistogram);
 * gauges (lag, in-flight, paused, dedup table size) are read from the consumers' status when
 * scraped, so they cost nothing between scrapes. Labels name the group, topic, partition and handler, never
 * anything from a payload.
 */
@Injectable()
export class ReliableKafkaMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ReliableKafka:metrics');
  private readonly metrics: Metric[] = [];
  private readonly listeners: Array<[keyof ReliableKafkaEventMap, (...args: never[]) => void]> = [];
  private registry: Registry = defaultRegistry;
  private dedupCount?: { at: number; value: number };

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedOptions,
    private readonly events: ReliableKafkaEvents,
    private readonly consumers: ConsumersReadModel,
  ) {}

  onModuleInit(): void {
    const settings = this.options.metrics ?? {};
    if (settings.enabled === false) return;
    this.registry = settings.registry ?? defaultRegistry;
    const p = settings.prefix ?? DEFAULT_PREFIX;
    const delivery = ['group', 'topic', 'handler'] as const;

    // Per record: counted in tallies added to the counters when scraped, and observed by a histogram
    // of plain arrays; prom-client would validate and hash the labels for each record.
    const processed = new RecordTally();
    const duplicates = new RecordTally();
    this.add(
      new Counter({
        name: `${p}consumer_records_processed_total`,
        help: 'Records whose handler ran and whose transaction committed.',
        labelNames: delivery,
        registers: [],
        collect() {
          processed.drain((labels, n) => this.inc(labels, n));
        },
      }),
    );
    this.add(
      new Counter({
        name: `${p}consumer_duplicates_total`,
        help: 'Records skipped because their idempotency key was already processed.',
        labelNames: delivery,
        registers: [],
        collect() {
          duplicates.drain((labels, n) => this.inc(labels, n));
        },
      }),
    );
    const duration = new DeliveryDurationHistogram(
      `${p}consumer_handler_duration_seconds`,
      'Time from the start of a delivery to its transaction commit.',
      settings.handlerDurationBuckets ?? HANDLER_BUCKETS,
    );
    // Registered as a prom-client metric: it has what the Registry uses of one (RegistryMetric).
    this.add(duration as unknown as Metric);
    const retries = this.add(
      new Counter({
        name: `${p}consumer_retries_total`,
        help: 'Failed deliveries that will be retried, by reason (handler error or database unavailable).',
        labelNames: [...delivery, 'reason'],
        registers: [],
      }),
    );
    const deadLettered = this.add(
      new Counter({
        name: `${p}consumer_dead_lettered_total`,
        help: 'Records written to a dead-letter topic.',
        labelNames: delivery,
        registers: [],
      }),
    );
    const deadLetterFailed = this.add(
      new Counter({
        name: `${p}consumer_dead_letter_failures_total`,
        help: 'Failed writes to a dead-letter topic (the record stays uncommitted and is retried).',
        labelNames: delivery,
        registers: [],
      }),
    );
    const commit = this.add(
      new Histogram({
        name: `${p}consumer_commit_latency_seconds`,
        help: 'Latency of offset commits to the broker.',
        labelNames: ['group', 'topic'],
        buckets: COMMIT_BUCKETS,
        registers: [],
      }),
    );
    const rebalances = this.add(
      new Counter({
        name: `${p}consumer_rebalances_total`,
        help: 'Partition (re)assignments of the group.',
        labelNames: ['group'],
        registers: [],
      }),
    );
    const rebalanceDuration = this.add(
      new Histogram({
        name: `${p}consumer_rebalance_duration_seconds`,
        help: 'Time a rebalance took, from revocation to the new assignment.',
        labelNames: ['group'],
        buckets: REBALANCE_BUCKETS,
        registers: [],
      }),
    );
    const cleaned = this.add(
      new Counter({
        name: `${p}dedup_cleanup_deleted_total`,
        help: 'Expired dedup records deleted by the retention cleanup.',
        registers: [],
      }),
    );
    const sent = this.add(
      new Counter({
        name: `${p}producer_records_sent_total`,
        help: 'Records the producer had acknowledged.',
        labelNames: ['topic'],
        registers: [],
      }),
    );
    const sendErrors = this.add(
      new Counter({
        name: `${p}producer_errors_total`,
        help: 'Send requests of the producer that failed for good.',
        labelNames: ['topic'],
        registers: [],
      }),
    );
    const requestLatency = this.add(
      new Histogram({
        name: `${p}producer_request_latency_seconds`,
        help: 'Latency of acknowledged send requests.',
        labelNames: ['topic'],
        buckets: PRODUCE_BUCKETS,
        registers: [],
      }),
    );
    const batchSize = this.add(
      new Histogram({
        name: `${p}producer_batch_size_records`,
        help: 'Records per acknowledged send request.',
        labelNames: ['topic'],
        buckets: BATCH_BUCKETS,
        registers: [],
      }),
    );

    for (const gauge of statusGauges(p, this.consumers)) this.add(gauge);
    const dedupRows = (): Promise<number | undefined> =>
      this.countDedupRecords(settings.dedupCountCacheMs ?? DEFAULT_DEDUP_COUNT_CACHE_MS);
    this.add(
      new Gauge({
        name: `${p}dedup_records`,
        help: 'Rows in the dedup table (counted on scrape, cached).',
        registers: [],
        async collect() {
          const value = await dedupRows();
          if (value !== undefined) this.set(value);
        },
      }),
    );

    const labels = (e: DeliveryEvent) => ({
      group: e.groupId,
      topic: e.record.topic,
      handler: e.handlerId,
    });
    this.listen({
      processed: (e) => {
        processed.add(e);
        duration.observeDelivery(e, e.durationMs / 1000);
      },
      duplicate: (e) => duplicates.add(e),
      retry: (e) => retries.inc({ ...labels(e), reason: e.reason }),
      'dead-lettered': (e) => deadLettered.inc(labels(e)),
      'dead-letter-failed': (e) => deadLetterFailed.inc(labels(e)),
      committed: (e) => commit.observe({ group: e.groupId, topic: e.topic }, e.latencyMs / 1000),
      rebalanced: (e) => {
        rebalances.inc({ group: e.groupId });
        if (e.durationMs !== undefined)
          rebalanceDuration.observe({ group: e.groupId }, e.durationMs / 1000);
      },
      produced: (e) => {
        sent.inc({ topic: e.topic }, e.count);
        requestLatency.observe({ topic: e.topic }, e.latencyMs / 1000);
        batchSize.observe({ topic: e.topic }, e.count);
      },
      'produce-failed': (e) => sendErrors.inc({ topic: e.topic }),
      'dedup-cleaned': (e) => cleaned.inc(e.count),
    });

    for (const metric of this.metrics) {
      // A second app in the same process (tests) replaces the first one's metrics.
      const name = (metric as unknown as { name: string }).name;
      if (this.registry.getSingleMetric(name)) this.registry.removeSingleMetric(name);
      this.registry.registerMetric(metric);
    }
  }

  onModuleDestroy(): void {
    for (const [event, listener] of this.listeners) this.events.off(event, listener as never);
    this.listeners.length = 0;
    for (const metric of this.metrics) {
      const name = (metric as unknown as { name: string }).name;
      if (this.registry.getSingleMetric(name) === metric) this.registry.removeSingleMetric(name);
    }
    this.metrics.length = 0;
  }

  /** The registry the metrics are in: what a `/metrics` endpoint serves. */
  get metricsRegistry(): Registry {
    return this.registry;
  }

  private add<T extends Metric>(metric: T): T {
    this.metrics.push(metric);
    return metric;
  }

  private listen(handlers: Partial<Handler>): void {
    for (const [event, listener] of Object.entries(handlers) as Array<
      [keyof ReliableKafkaEventMap, (...args: never[]) => void]
    >) {
      this.events.on(event, listener as never);
      this.listeners.push([event, listener]);
    }
  }

  private async countDedupRecords(cacheMs: number): Promise<number | undefined> {
    const now = Date.now();
    if (this.dedupCount && now - this.dedupCount.at < cacheMs) return this.dedupCount.value;
    try {
      const database = this.consumers.database();
      if (!database?.dataSource?.isInitialized) return this.dedupCount?.value;
      const { dataSource, dedupTableName } = database;
      const table = dataSource.driver.escape(dedupTableName);
      const rows: Array<Record<string, unknown>> = await dataSource.query(
        `SELECT COUNT(*) AS n FROM ${table}`,
      );
      const value = Number(Object.values(rows[0] ?? {})[0] ?? 0);
      this.dedupCount = { at: now, value };
      return value;
    } catch (error) {
      this.logger.warn(`counting dedup records failed: ${describeThrown(error)}`);
      return this.dedupCount?.value;
    }
  }
}
