/**
 * One benchmark contender as its own process (forked by bench/consumer-process.ts with an IPC channel).
 * Config comes in BENCH_CHILD_CONFIG (JSON). The child consumes its topic and reports progress
 * over IPC; latency is computed here: completion time minus the producer timestamp that the
 * message carries (payload field `ts`, mirrored in the `bench-ts` header so that the no-op
 * contender does not have to parse JSON).
 *
 * Messages to the parent: {type:'ready'} once, {type:'progress', ...} every 200 ms,
 * {type:'report', ...} in answer to {type:'report'}; {type:'stop'} ends the process cleanly
 * (so that --cpu-prof can write its profile).
 */
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Ctx,
  EventPattern,
  KafkaContext,
  Payload,
  Transport,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import { Kafka, logLevel, type Consumer, type IHeaders } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  AtLeastOnceBatchHandler,
  AtLeastOnceHandler,
  Idempotent,
  ReliableKafkaBatchContext,
  ReliableKafkaContext,
  ReliableKafkaEvents,
  ReliableKafkaModule,
  type CommitStrategy,
  type ProcessingOptions,
} from '@reliable-kafka/nestjs';
import { ConfluentLogLevel } from '@reliable-kafka/nestjs/kafka/confluent/confluent-api';
import { loadConfluentKafkaJS } from '@reliable-kafka/nestjs/kafka/confluent/confluent-package';
import type { BenchClient, ContenderKind } from './contenders';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

export interface ChildConfig {
  kind: ContenderKind;
  client: BenchClient;
  /** librdkafka properties of a Confluent contender (the run's `--librdkafka`). */
  librdkafka: Record<string, string>;
  /** `max.partition.fetch.bytes`; the client's default when absent. */
  maxBytesPerPartition?: number;
  brokers: string[];
  topic: string;
  groupId: string;
  dbUrl: string;
  poolSize: number;
  processing?: ProcessingOptions;
  batchHandlerRecords?: number;
  commit?: CommitStrategy;
  partitionsConsumedConcurrently: number;
}

export interface ChildProgress {
  type: 'progress';
  drained: number;
  firstDrainAt: number | null;
  lastDrainAt: number | null;
  /** Same instants on the monotonic clock in µs (the clock of --cpu-prof sample times). */
  firstDrainUs: number | null;
  lastDrainUs: number | null;
  latencyCount: number;
  rssPeak: number;
  /** RSS once the consumer was started (code loaded, connected, before the first message), bytes. */
  rssAtReady: number;
}

export interface ChildReport {
  type: 'report';
  drained: number;
  firstDrainAt: number | null;
  lastDrainAt: number | null;
  latencyCount: number;
  /** Per latency phase (the `bench-phase` header, e.g. `l500`): completion minus producer time, ms. */
  latency: Record<string, LatencyStats>;
  rssPeak: number;
  duplicates: number;
}

export interface LatencyStats {
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** When the last message of the phase completed (epoch ms). */
  lastAt: number;
}

interface Credit {
  id: string;
  account: string;
  amount: number;
  ts: number;
  phase: string;
}

const UPDATE_SQL = 'UPDATE account SET balance = balance + $1 WHERE id = $2';
/** (g): one statement for a whole batch, the sum per account. */
const SET_BASED_UPDATE_SQL = `UPDATE account SET balance = balance + s.total
  FROM (SELECT id, sum(amount) AS total FROM unnest($1::text[], $2::int[]) AS x(id, amount) GROUP BY id) s
  WHERE account.id = s.id`;

class Meter {
  drained = 0;
  firstDrainAt: number | null = null;
  lastDrainAt: number | null = null;
  firstDrainUs: number | null = null;
  lastDrainUs: number | null = null;
  latencyCount = 0;
  readonly latencies = new Map<string, { values: number[]; lastAt: number }>();
  rssPeak = 0;
  rssAtReady = 0;
  duplicates = 0;

  /** A message finished (its transaction committed, or for the no-op contender: it was seen). */
  done(phase: string | undefined, ts: number, now = Date.now()): void {
    if (phase !== undefined && phase !== 'd') {
      let bucket = this.latencies.get(phase);
      if (!bucket) this.latencies.set(phase, (bucket = { values: [], lastAt: now }));
      bucket.values.push(now - ts);
      bucket.lastAt = now;
      this.latencyCount++;
    } else {
      this.drained++;
      const us = Number(process.hrtime.bigint() / 1000n);
      if (this.firstDrainAt === null) {
        this.firstDrainAt = now;
        this.firstDrainUs = us;
      }
      this.lastDrainAt = now;
      this.lastDrainUs = us;
    }
  }

  sampleRss(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.rssPeak) this.rssPeak = rss;
  }

  progress(): ChildProgress {
    return {
      type: 'progress',
      drained: this.drained,
      firstDrainAt: this.firstDrainAt,
      lastDrainAt: this.lastDrainAt,
      firstDrainUs: this.firstDrainUs,
      lastDrainUs: this.lastDrainUs,
      latencyCount: this.latencyCount,
      rssPeak: this.rssPeak,
      rssAtReady: this.rssAtReady,
    };
  }

  report(): ChildReport {
    const latency: Record<string, LatencyStats> = {};
    for (const [phase, { values, lastAt }] of this.latencies) {
      const sorted = Float64Array.from(values).sort();
      const pick = (q: number) =>
        sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
      latency[phase] = {
        count: sorted.length,
        p50: pick(0.5),
        p99: pick(0.99),
        max: sorted[sorted.length - 1],
        lastAt,
      };
    }
    return {
      ...this.progress(),
      type: 'report',
      latency,
      duplicates: this.duplicates,
    };
  }
}

function header(
  headers: IHeaders | Record<string, unknown> | undefined,
  name: string,
): string | undefined {
  const value = headers?.[name];
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return last === undefined || last === null ? undefined : String(last);
}

async function openDataSource(config: ChildConfig): Promise<DataSource> {
  const ds = new DataSource({
    type: 'postgres',
    url: config.dbUrl,
    poolSize: config.poolSize,
    logging: false,
    synchronize: false,
  });
  await ds.initialize();
  return ds;
}

/** (a) and (b): plain kafkajs. */
async function startRawKafkajs(config: ChildConfig, meter: Meter): Promise<() => Promise<void>> {
  const kafka = new Kafka({
    clientId: `bench-${config.kind}`,
    brokers: config.brokers,
    logLevel: logLevel.ERROR,
  });
  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    maxWaitTimeInMs: 500,
    maxBytesPerPartition: config.maxBytesPerPartition,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [config.topic], fromBeginning: true });
  let ds: DataSource | undefined;
  if (config.kind === 'a-kafkajs-noop') {
    await consumer.run({
      autoCommit: true,
      partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages)
          meter.done(header(m.headers, 'bench-phase'), Number(header(m.headers, 'bench-ts')), now);
      },
    });
  } else {
    ds = await openDataSource(config);
    const db = ds;
    await consumer.run({
      autoCommit: true,
      partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
      eachMessage: async ({ message }) => {
        const credit = JSON.parse(String(message.value)) as Credit;
        await db.transaction((manager) =>
          manager.query(UPDATE_SQL, [credit.amount, credit.account]),
        );
        meter.done(
          header(message.headers, 'bench-phase'),
          Number(header(message.headers, 'bench-ts')),
        );
      },
    });
  }
  return async () => {
    await consumer.disconnect();
    if (ds?.isInitialized) await ds.destroy();
  };
}

/** (a-ck): Confluent's KafkaJS-style consumer, eachBatch with nothing in it. */
async function startRawConfluent(config: ChildConfig, meter: Meter): Promise<() => Promise<void>> {
  // The library's loader: a clear error when the optional package is not installed.
  const { Kafka } = loadConfluentKafkaJS();
  const kafka = new Kafka({
    kafkaJS: {
      clientId: `bench-${config.kind}`,
      brokers: config.brokers,
      logLevel: ConfluentLogLevel.ERROR,
    },
  });
  const consumer = kafka.consumer({
    kafkaJS: {
      groupId: config.groupId,
      fromBeginning: true,
      autoCommit: true,
      maxWaitTimeInMs: 500,
      // Absent, not undefined: the package maps an undefined setting to an invalid property.
      ...(config.maxBytesPerPartition && { maxBytesPerPartition: config.maxBytesPerPartition }),
    },
    // As the library's client gets them: beside its own settings, which win.
    ...config.librdkafka,
    'js.consumer.max.batch.size': config.batchHandlerRecords ?? 32,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [config.topic] });
  await consumer.run({
    // The package's default: each batch's offsets are stored once it returns, then auto-committed.
    eachBatchAutoResolve: true,
    partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages)
        meter.done(header(m.headers, 'bench-phase'), Number(header(m.headers, 'bench-ts')), now);
    },
  });
  return () => consumer.disconnect();
}

/** (c): the @nestjs/microservices Kafka transport, an @EventPattern handler. */
async function startNestTransport(config: ChildConfig, meter: Meter): Promise<() => Promise<void>> {
  const ds = await openDataSource(config);

  @Injectable()
  class LedgerController {
    @EventPattern(config.topic)
    async credit(@Payload() credit: Credit, @Ctx() context: KafkaContext) {
      await ds.transaction((manager) => manager.query(UPDATE_SQL, [credit.amount, credit.account]));
      const headers = context.getMessage().headers;
      meter.done(header(headers, 'bench-phase'), Number(header(headers, 'bench-ts')));
    }
  }

  @Module({ controllers: [LedgerController] })
  class NestTransportModule {}

  const app = await NestFactory.createMicroservice<MicroserviceOptions>(NestTransportModule, {
    transport: Transport.KAFKA,
    options: {
      client: { clientId: 'bench-nest', brokers: config.brokers, logLevel: logLevel.ERROR },
      consumer: {
        groupId: config.groupId,
        maxWaitTimeInMs: 500,
        maxBytesPerPartition: config.maxBytesPerPartition,
      },
      subscribe: { fromBeginning: true },
      run: { partitionsConsumedConcurrently: config.partitionsConsumedConcurrently },
    },
    logger: ['error'],
  });
  await app.listen();
  return async () => {
    await app.close();
    if (ds.isInitialized) await ds.destroy();
  };
}

/** (d), (e), (f), (g): this library. */
async function startLibrary(config: ChildConfig, meter: Meter): Promise<() => Promise<void>> {
  const ds = await openDataSource(config);

  @Injectable()
  class BatchLedger {
    @AtLeastOnceBatchHandler({
      topics: [config.topic],
      maxRecords: config.batchHandlerRecords,
      id: 'Bench.credits',
    })
    @Idempotent()
    async credits(@Payload() credits: Credit[], @Ctx() batch: ReliableKafkaBatchContext) {
      await batch.entityManager.query(SET_BASED_UPDATE_SQL, [
        credits.map((c) => c.account),
        credits.map((c) => c.amount),
      ]);
    }
  }

  @Injectable()
  class Ledger {
    @AtLeastOnceHandler({
      topics: [config.topic],
      processing: config.processing,
      id: 'Bench.credit',
    })
    @Idempotent()
    // @Payload/@Ctx are @nestjs/microservices' own (the library re-exports them).
    async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
      await context.entityManager.query(UPDATE_SQL, [credit.amount, credit.account]);
    }
  }

  @Module({
    imports: [
      ReliableKafkaModule.forRoot({
        client:
          config.client === 'confluent'
            ? {
                library: 'confluent',
                brokers: config.brokers,
                clientId: `bench-${config.kind}`,
                librdkafka: config.librdkafka,
              }
            : {
                brokers: config.brokers,
                clientId: `bench-${config.kind}`,
                logLevel: logLevel.ERROR,
              },
        consumer: {
          groupId: config.groupId,
          partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
          maxBytesPerPartition: config.maxBytesPerPartition,
        },
        dataSource: ds,
        dedup: { createTable: true },
        commit: config.commit,
      }),
    ],
    providers: [config.kind === 'g-lib-batch-handler' ? BatchLedger : Ledger],
  })
  class LibraryModule {}

  const app: INestApplicationContext = await NestFactory.createApplicationContext(LibraryModule, {
    logger: ['error', 'warn'],
  });
  const events = app.get(ReliableKafkaEvents);
  events.on('processed', (e) =>
    meter.done(e.record.headers['bench-phase'], Number(e.record.headers['bench-ts'])),
  );
  events.on('duplicate', (e) => {
    meter.duplicates++;
    meter.done(e.record.headers['bench-phase'], Number(e.record.headers['bench-ts']));
  });
  return async () => {
    await app.close();
    if (ds.isInitialized) await ds.destroy();
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_CHILD_CONFIG ?? '') as ChildConfig;
  const meter = new Meter();
  const send = (message: unknown) => process.send?.(message);
  const rssTimer = setInterval(() => meter.sampleRss(), 100);
  const progressTimer = setInterval(() => send(meter.progress()), 200);
  meter.sampleRss();

  const stop =
    config.kind === 'a-kafkajs-noop' || config.kind === 'b-kafkajs-typeorm'
      ? await startRawKafkajs(config, meter)
      : config.kind === 'a-confluent-noop'
        ? await startRawConfluent(config, meter)
        : config.kind === 'c-nest-transport'
          ? await startNestTransport(config, meter)
          : await startLibrary(config, meter);

  meter.rssAtReady = process.memoryUsage.rss();
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearInterval(rssTimer);
    clearInterval(progressTimer);
    const hardStop = setTimeout(() => process.exit(code || 3), 20_000);
    try {
      await stop();
    } catch (error) {
      console.error('shutdown failed', error);
    }
    clearTimeout(hardStop);
    process.exit(code);
  };
  process.on('message', (message: { type: string }) => {
    if (message.type === 'report') send(meter.report());
    if (message.type === 'stop') void shutdown(0);
  });
  process.on('SIGTERM', () => void shutdown(0));
  // The parent died: do not linger.
  process.on('disconnect', () => void shutdown(0));
  send({ type: 'ready' });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
