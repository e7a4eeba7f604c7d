/**
 * A fault scenario on the suite's replicated cluster (three nodes, topics with RF 3 and
 * min.insync.replicas 2): ReliableProducer sends while the workers process, and partition leaders,
 * the group coordinator and the active controller are killed and started again, or two nodes go
 * down at once. The handlers also write to the outbox, whose relay publishes through the same
 * failovers. Then everything is counted:
 * - the consumer side as in every scenario (fault-check.ts): lost 0, applied twice 0, lag 0;
 * - the producer side: every record the producer reported acknowledged is on the topic at the
 *   partition and offset it was given, read back after the faults (acknowledged-and-missing 0);
 *   sends reported failed are counted, written or not;
 * - the outbox: the message of every applied credit is on the outbox topic.
 * Each run's report gets its timeline as an SVG picture beside it.
 */
import { Client } from 'pg';
import { AckedProducer } from './acked-producer';
import { countAndReport, type ClusterReport } from './cluster-count';
import {
  injectClusterFault,
  type ClusterFaultEvent,
  type ClusterFaultKind,
} from './cluster-faults';

export type { ClusterReport, HealthAroundFault } from './cluster-count';
import type { FaultEnvironment } from './fault-environment';
import { brokerGroupLag } from './fault-kafka';
import { noFaultsYet } from './fault-report';
import type { FaultMessage, FaultWorkerConfig } from './fault-worker';
import { createReplicatedTopics } from './replicated-topic';
import { random } from './seeded-random';
import { sleep } from './sleep';
import type { TimelineSample } from './timeline-svg';
import { livePools, WorkerPool } from './worker-pool';

export interface ClusterScenarioOptions {
  name: string;
  messages: number;
  partitions: number;
  workers: number;
  /** Share of messages sent a second time (an application's resend), later in the stream. */
  resendPercent: number;
  produceRatePerSec: number;
  faults: Partial<Record<ClusterFaultKind, number>>;
  /** How long a killed node stays down, [min, max] ms. */
  downMs: [number, number];
  /** How long two of the three nodes stay down (longer than the delivery timeout). */
  belowMinIsrMs: number;
  /** The producer's delivery timeout: sends during a long outage fail with it, and are sent again. */
  deliveryTimeoutMs: number;
  seed: number;
  timeoutMs: number;
  reportFile?: string | null;
  log?: (line: string) => void;
}

const ACCOUNTS = 50;
const SAMPLE_EVERY_MS = 1_000;

export async function runClusterScenario(
  env: FaultEnvironment,
  options: ClusterScenarioOptions,
): Promise<ClusterReport> {
  if (env.kind !== 'cluster') throw new Error('runClusterScenario needs the suite cluster');
  const log = options.log ?? (() => undefined);
  const began = Date.now();
  const deadline = began + options.timeoutMs;
  const rnd = random(options.seed);
  const runId = `${options.name}-${Date.now().toString(36)}`.replace(/[^a-z0-9-]/gi, '-');
  const topic = `faults-${runId}`;
  const dlqTopic = `${topic}.dlq`;
  const outboxTopic = `${topic}.outbox`;
  const groupId = `faults-group-${runId}`;
  const kafka = env.kafka();

  const messages: FaultMessage[] = Array.from({ length: options.messages }, (_, i) => ({
    id: `${runId}-k${i}`,
    account: `acct-${i % ACCOUNTS}`,
    amount: 1 + (i % 9),
  }));
  const order: FaultMessage[] = [];
  const later: FaultMessage[] = [];
  for (const m of messages) {
    order.push(m);
    if (rnd() * 100 < options.resendPercent) later.push(m);
    if (later.length > 0 && rnd() < options.resendPercent / 100) order.push(later.shift()!);
  }
  order.push(...later);
  const resent = order.length - messages.length;

  const dbName = `faults_${runId.replace(/-/g, '_').toLowerCase()}`.slice(0, 63);
  const dbUrl = await env.createDatabase(dbName);
  await createReplicatedTopics(kafka, [topic, dlqTopic, outboxTopic], options.partitions);

  const workerConfig: FaultWorkerConfig = {
    brokers: env.brokers,
    topic,
    groupId,
    dbUrl,
    outboxTopic,
    healthEveryMs: 1_000,
  };
  const pool = new WorkerPool(workerConfig, {}, deadline, log);
  livePools.add(pool);
  const injected = noFaultsYet(0);
  const faults: ClusterFaultEvent[] = [];
  const samples: TimelineSample[] = [];
  let producer: AckedProducer | undefined;
  let sampling = true;
  /** When the group had caught up (lag 0, the workers quiet), before they were stopped. */
  let caughtUpAt = 0;
  let sampler: Promise<void> | undefined;
  try {
    await Promise.all(Array.from({ length: options.workers }, () => pool.add(false)));
    pool.startSupervising();
    producer = await AckedProducer.start({
      brokers: env.brokers,
      dbUrl,
      deliveryTimeoutMs: options.deliveryTimeoutMs,
    });
    log(
      `[faults] ${options.name}: ${options.workers} workers and the producer ready in ${Date.now() - began} ms; topic ${topic} (${options.partitions} partitions, RF 3, min ISR 2)`,
    );

    // --- the timeline: records processed and the group's lag, once a second
    // Counted on from where the last sample stopped: a long run's workers print 100k+ lines.
    const read = new Map<(typeof pool.all)[number], { lines: number; processed: number }>();
    const processedSoFar = () =>
      pool.all.reduce((n, w) => {
        const seen = read.get(w) ?? { lines: 0, processed: 0 };
        for (let i = seen.lines; i < w.lines.length; i++)
          if (w.lines[i].startsWith('P ')) seen.processed++;
        seen.lines = w.lines.length;
        read.set(w, seen);
        return n + seen.processed;
      }, 0);
    sampler = (async () => {
      while (sampling) {
        const lag = await withTimeout(brokerGroupLag(kafka, groupId, topic), 2_000);
        samples.push({ at: Date.now(), processed: processedSoFar(), lag });
        await sleep(SAMPLE_EVERY_MS);
      }
    })();

    // --- the producer, paced; a send still unacknowledged is retried by AckedProducer
    const productionMs = (order.length / options.produceRatePerSec) * 1000;
    let sent = 0;
    const producing = (async () => {
      const start = Date.now();
      for (let i = 0; i < order.length; i++) {
        const due = start + (i / options.produceRatePerSec) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        // Bounded while the cluster refuses writes: the pace resumes once it takes them again.
        while (producer!.pending > 2_000) await sleep(100);
        const m = order[i];
        producer!.start(topic, m.id, { key: m.account, value: m }, deadline);
        sent = i + 1;
      }
      await producer!.drain();
    })();

    // --- the faults, in a seeded random order over most of the production
    const plan: ClusterFaultKind[] = [];
    for (const [kind, n] of Object.entries(options.faults) as [ClusterFaultKind, number][])
      for (let i = 0; i < n; i++) plan.push(kind);
    for (let i = plan.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [plan[i], plan[j]] = [plan[j], plan[i]];
    }
    const windowMs = productionMs * 0.8;
    const faultStart = Date.now();
    for (let i = 0; i < plan.length; i++) {
      const at = faultStart + ((i + 0.2 + rnd() * 0.6) / plan.length) * windowMs;
      if (at > Date.now()) await sleep(at - Date.now());
      if (Date.now() > deadline)
        throw new Error(`scenario ${options.name}: deadline passed while injecting faults`);
      faults.push(
        await injectClusterFault(plan[i], {
          env,
          kafka,
          topics: [topic, outboxTopic],
          rnd,
          downMs: options.downMs,
          belowMinIsrMs: options.belowMinIsrMs,
          log,
        }),
      );
      log(
        `[faults] ${options.name} +${((Date.now() - began) / 1000).toFixed(0)} s: ${plan[i]} done (${i + 1}/${plan.length}, ${sent} records sent)`,
      );
    }
    await producing;
    injected['producer-send-retries'] = producer.failed.length;
    log(
      `[faults] ${options.name}: ${sent} records sent and acknowledged, ${plan.length} faults injected, waiting for lag 0 (${Date.now() - began} ms)`,
    );

    // --- lag 0, the workers idle and the outbox relayed
    let lines = -1;
    let quietSince = Date.now();
    let lastLog = 0;
    for (;;) {
      const lag = await brokerGroupLag(kafka, groupId, topic).catch(() => -1);
      const unsent = await unsentOutboxRows(dbUrl).catch(() => -1);
      const now = pool.all.reduce(
        (n, w) => n + w.lines.filter((l) => !l.startsWith('H ')).length,
        0,
      );
      if (now !== lines) {
        lines = now;
        quietSince = Date.now();
      }
      // Health lines keep coming: quiet means no other line for 3 s.
      if (lag === 0 && unsent === 0 && Date.now() - quietSince >= 3_000) break;
      if (Date.now() > deadline)
        throw new Error(
          `scenario ${options.name}: timed out waiting for lag 0 and the outbox (lag ${lag}, unsent ${unsent})`,
        );
      if (Date.now() - lastLog > 10_000) {
        log(`[faults] ${options.name}: lag ${lag}, outbox rows unsent ${unsent}`);
        lastLog = Date.now();
      }
      await sleep(500);
    }
    caughtUpAt = Date.now();
    sampling = false;
    await sampler;
    await pool.stopSupervising();
    await pool.stopAll();
  } catch (error) {
    sampling = false;
    pool.killAll();
    await pool.stopSupervising().catch(() => undefined);
    await producer?.stop().catch(() => undefined);
    throw error;
  } finally {
    livePools.delete(pool);
  }

  try {
    return await countAndReport(env, options, {
      kafka,
      runId,
      topic,
      dlqTopic,
      outboxTopic,
      groupId,
      dbUrl,
      messages,
      order,
      resent,
      pool,
      injected,
      began,
      producer,
      faults,
      samples,
      caughtUpAt,
    });
  } finally {
    await producer.stop().catch(() => undefined);
  }
}

async function unsentOutboxRows(dbUrl: string): Promise<number> {
  const db = new Client({ connectionString: dbUrl, connectionTimeoutMillis: 5_000 });
  await db.connect();
  try {
    const exists = await db.query(`SELECT to_regclass('reliable_kafka_outbox') AS t`);
    if (!exists.rows[0].t) return -1;
    const r = await db.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM reliable_kafka_outbox WHERE sent_at IS NULL',
    );
    return Number(r.rows[0].n);
  } finally {
    await db.end();
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p.catch(() => null),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
