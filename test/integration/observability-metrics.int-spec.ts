import { Controller, Get, Header, Injectable, type INestApplication } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  Ctx,
  DeliveryStats,
  Payload,
  ReliableKafkaConsumers,
  ReliableKafkaContext,
  ReliableKafkaEvents,
  ReliableKafkaMetrics,
  ReliableProducer,
} from '@reliable-kafka/nestjs';
import { Registry } from 'prom-client';
import { createTopic, eventually, readAll, uniqueName } from '../support/kafka';
import { applyCredit, type Credit } from '../support/ledger/credit';
import { createLedgerDatabase } from '../support/ledger/ledger-database';
import type { TestDatabase } from '../support/db/test-database';
import { sample, startHttpTestApp } from '../support/observability/http-app';

@Controller()
class MetricsController {
  constructor(private readonly metrics: ReliableKafkaMetrics) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.metricsRegistry.metrics();
  }
}

describe('observability: Prometheus metrics over HTTP (postgres, real broker)', () => {
  let db: TestDatabase;
  let app: INestApplication | undefined;
  beforeAll(async () => {
    db = await createLedgerDatabase('postgres');
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('after a run with a duplicate, retries and a dead letter, /metrics shows each counter exactly; lag returns to 0', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);
    const account = uniqueName('a');

    @Injectable()
    class Credits {
      @AtLeastOnceHandler({
        topics: topic,
        retry: { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 30 } },
      })
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        if (credit.id === 'poison') throw new Error('ledger rejects this credit');
        if (credit.id === 'flaky' && context.attempt === 1) throw new Error('ledger timeout');
        await applyCredit(context.entityManager, credit, context);
      }
    }

    const registry = new Registry();
    const started = await startHttpTestApp({
      db,
      providers: [Credits],
      controllers: [MetricsController],
      options: { metrics: { registry, prefix: 'rk_', dedupCountCacheMs: 0 } },
    });
    app = started.app;
    const scrape = async () => {
      const response = await fetch(`${started.url}/metrics`);
      expect(response.status).toBe(200);
      return response.text();
    };
    const stats = app.get(DeliveryStats);
    const events = app.get(ReliableKafkaEvents);
    let groupId = '';
    events.on('processed', (e) => (groupId = e.groupId));

    // Through the library's producer, so that the producer metrics count these sends too.
    const producer = app.get(ReliableProducer);
    const credit = (id: string, amount: number) => ({
      key: account,
      value: { id, account, amount },
      idempotencyKey: id,
    });
    for (const message of [
      credit('ok-1', 1),
      credit('ok-2', 2),
      credit('ok-1', 1), // duplicate key
      credit('flaky', 4), // fails once, then succeeds
      credit('poison', 8), // fails 3 times: dead-lettered
    ]) {
      await producer.send(topic, message);
    }
    await eventually(
      () => stats.get().processed === 3 && stats.get().deadLettered === 1,
      'all five records handled',
    );
    expect(await readAll(`${topic}.dlq`, 1)).toHaveLength(1);

    let text = '';
    await eventually(async () => {
      text = await scrape();
      return sample(text, 'rk_consumer_lag_records', { topic, partition: '0' }) === 0;
    }, 'lag 0 on /metrics');

    const labels = { group: groupId, topic };
    const handlerLabel = (name: string, extra: Record<string, string> = {}) => {
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith(`${name}{`) &&
            l.includes(`topic="${topic}"`) &&
            Object.entries(extra).every(([k, v]) => l.includes(`${k}="${v}"`)),
        );
      return line;
    };
    // The handler label is the handler's id; read it from the line rather than guess its format.
    const processedLine = handlerLabel('rk_consumer_records_processed_total');
    expect(processedLine).toBeDefined();
    const handlerId = /handler="([^"]+)"/.exec(processedLine!)![1];
    expect(handlerId).toContain('credit');
    const withHandler = { ...labels, handler: handlerId };

    expect(sample(text, 'rk_consumer_records_processed_total', withHandler)).toBe(3);
    expect(sample(text, 'rk_consumer_duplicates_total', withHandler)).toBe(1);
    // flaky: 1 retry; poison: attempts 1 and 2 are retried, attempt 3 is dead-lettered.
    expect(sample(text, 'rk_consumer_retries_total', { ...withHandler, reason: 'handler' })).toBe(
      3,
    );
    expect(sample(text, 'rk_consumer_dead_lettered_total', withHandler)).toBe(1);
    expect(sample(text, 'rk_consumer_handler_duration_seconds_count', withHandler)).toBe(3);
    expect(sample(text, 'rk_consumer_rebalances_total', { group: groupId })).toBeGreaterThanOrEqual(
      1,
    );
    expect(sample(text, 'rk_consumer_commit_latency_seconds_count', labels)).toBeGreaterThanOrEqual(
      1,
    );
    expect(sample(text, 'rk_consumer_lag_records', { ...labels, partition: '0' })).toBe(0);
    expect(sample(text, 'rk_consumer_records_lag_max', { group: groupId })).toBe(0);
    expect(sample(text, 'rk_consumer_in_flight_records', { ...labels, partition: '0' })).toBe(0);
    expect(sample(text, 'rk_consumer_paused_partitions', { group: groupId })).toBe(0);
    expect(sample(text, 'rk_consumer_running', { group: groupId })).toBe(1);
    // ok-1, ok-2 and flaky hold dedup rows (the database is this suite's own).
    expect(sample(text, 'rk_dedup_records')).toBe(3);
    expect(sample(text, 'rk_producer_records_sent_total', { topic })).toBe(5);
    expect(sample(text, 'rk_producer_batch_size_records_sum', { topic })).toBe(5);
    expect(sample(text, 'rk_producer_request_latency_seconds_count', { topic })).toBe(5);
    expect(sample(text, 'rk_producer_errors_total', { topic }) ?? 0).toBe(0);
    // The payload never shows up in a label.
    expect(text).not.toContain(account);

    expect(stats.get()).toEqual({ processed: 3, duplicates: 1, retries: 3, deadLettered: 1 });

    // Retention cleanup: a round far in the future deletes the 3 dedup rows; the counter follows.
    expect(
      await app.get(ReliableKafkaConsumers).cleanupDedupRecords(Date.now() + 365 * 86_400_000),
    ).toBe(3);
    text = await scrape();
    expect(sample(text, 'rk_dedup_cleanup_deleted_total')).toBe(3);
    expect(sample(text, 'rk_dedup_records')).toBe(0);
  });
});
