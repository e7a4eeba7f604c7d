/**
 * The fault-injection suite: real consumer processes (fault-worker.ts) in one group, a producer of
 * keyed messages with deliberate resends and poison messages, faults injected while the stream
 * runs, and a checker that counts every message from the database and the broker at the end.
 *
 * Everything runs against the suite's OWN broker (tools/kafka/kafka-broker.ts with a separate
 * home under .kafka/) and its OWN throwaway PostgreSQL cluster: both are killed, stopped and
 * restarted here, so they must never be the shared ones of a test run.
 * See docs/faults.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel, type Message, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDedupTableMigration, DeadLetterHeaders } from '@reliable-kafka/nestjs';
import { KAFKA_HOME, killBroker, startBroker, stopBroker } from '../../tools/kafka/kafka-broker';
import {
  removeOwnThrowawayPostgres,
  startOwnThrowawayPostgres,
  startThrowawayPostgresServer,
  stopThrowawayPostgresServer,
} from '../support/db/ensure-databases';
import { LEDGER_ENTITIES } from '../support/ledger/ledger.entities';
import { WorkerProcess } from '../support/worker-process';
import { failsTransiently, type FaultMessage, type FaultWorkerConfig } from './fault-worker';
import { waitForLeaders } from '../../libs/reliable-kafka/src/kafka/wait-for-leaders';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const WORKER = 'test/faults/fault-worker.ts';
export const REPORT_FILE = path.resolve(__dirname, 'report.json');

// ------------------------------------------------------------------------------------ options

export type FaultKind =
  | 'sigkill' // SIGKILL from outside at a random moment, then restart
  | 'hook-kill' // restart armed with the hook point: SIGKILL after a commit, before the offset commit
  | 'in-handler-kill' // restart armed to SIGKILL inside a handler, before its transaction commits
  | 'sigterm' // graceful stop mid-stream, then restart
  | 'rebalance' // an extra instance joins, works a while, leaves
  | 'broker-restart' // the broker process killed -9 and restarted (same ports and data)
  | 'db-outage'; // PostgreSQL stopped for dbOutageMs while messages keep arriving

export interface ScenarioOptions {
  name: string;
  messages: number;
  partitions: number;
  workers: number;
  /** Share of (non-poison) messages sent a second time, later in the stream. */
  resendPercent: number;
  poisonPercent: number;
  transientFailurePercent: number;
  /** Producer pace, messages per second, so that the faults land mid-stream. */
  produceRatePerSec: number;
  /** How many faults of each kind, spread over the run in a seeded random order. */
  faults: Partial<Record<FaultKind, number>>;
  dbOutageMs: number;
  /** Faults are spread over this long (default: the production time). */
  faultWindowMs?: number;
  seed: number;
  /** Bound of the whole scenario (production + consumption to lag 0). */
  timeoutMs: number;
  /** The deliberately broken library: offsets committed before processing. */
  unsafeCommitBeforeProcess?: boolean;
  /** The deliberately broken worker: effects written outside the dedup transaction. */
  unsafeBypassDedup?: boolean;
  /** Arm the first worker with the in-handler kill at this message (deterministic loss demo). */
  initialInHandlerKillAt?: number;
  /** Arm the second worker with the hook-point kill and the third with the in-handler kill at start. */
  armAtStart?: boolean;
  /** Where the JSON report goes (default test/faults/report.json); null: nowhere. */
  reportFile?: string | null;
  log?: (line: string) => void;
}

export interface FaultReport {
  scenario: string;
  date: string;
  settings: Omit<ScenarioOptions, 'log' | 'reportFile'>;
  messages: {
    uniqueKeys: number;
    sent: number;
    resent: number;
    poison: number;
    sourceRecords: number;
  };
  faultsInjected: Record<string, number>;
  deliveries: {
    processed: number;
    redeliveriesObserved: number;
    duplicatesAbsorbed: number;
    retriesHandler: number;
    retriesDatabaseUnavailable: number;
    deadLetteredEvents: number;
  };
  dlq: { keys: number; copies: number; rawCopies: number };
  lost: number;
  appliedTwice: number;
  appliedAndDeadLettered: number;
  wronglyDeadLettered: number;
  poisonApplied: number;
  balanceMismatches: number;
  finalLag: number;
  wallTimeMs: number;
  /** The keys behind each non-zero failure count (first 50 of each). */
  diff: KeyDiff;
  ok: boolean;
}

/** Per kind of contract breach, the keys (or accounts) that break it. */
export interface KeyDiff {
  lost: string[];
  appliedTwice: string[];
  appliedAndDeadLettered: string[];
  wronglyDeadLettered: string[];
  poisonApplied: string[];
  dlqMissingCopies: string[];
  dlqExtraCopies: string[];
  balances: string[];
}

function emptyKeyDiff(): KeyDiff {
  return {
    lost: [],
    appliedTwice: [],
    appliedAndDeadLettered: [],
    wronglyDeadLettered: [],
    poisonApplied: [],
    dlqMissingCopies: [],
    dlqExtraCopies: [],
    balances: [],
  };
}

// ------------------------------------------------------------------------------------ environment

/** The suite's own broker and PostgreSQL cluster. */
export class FaultEnvironment {
  private constructor(
    readonly home: string,
    readonly brokers: string[],
    readonly pgUrl: string,
    readonly pgDataDir: string,
  ) {}

  static async start(log: (l: string) => void = () => undefined): Promise<FaultEnvironment> {
    await removeOrphanBrokers(log);
    // Under .kafka/ (git-ignored), but its own state.json, ports and data: never the shared broker.
    const home = path.join(KAFKA_HOME, `${HOME_PREFIX}${process.pid}`);
    const began = Date.now();
    let pg: Awaited<ReturnType<typeof startOwnThrowawayPostgres>> | undefined;
    try {
      const [broker, cluster] = await Promise.all([
        startBroker({ home }),
        startOwnThrowawayPostgres('faults'),
      ]);
      pg = cluster;
      log(
        `[faults] own broker ${broker.brokers} (home ${home}), own PostgreSQL ${cluster.url} (${cluster.dataDir}) in ${Date.now() - began} ms`,
      );
      return new FaultEnvironment(home, [broker.brokers], cluster.url, cluster.dataDir);
    } catch (error) {
      await stopBroker({ home }).catch(() => undefined);
      fs.rmSync(home, { recursive: true, force: true });
      if (pg) removeOwnThrowawayPostgres(pg.dataDir);
      throw error;
    }
  }

  async stop(): Promise<void> {
    try {
      await stopBroker({ home: this.home });
    } finally {
      fs.rmSync(this.home, { recursive: true, force: true });
      removeOwnThrowawayPostgres(this.pgDataDir);
    }
  }

  kafka(): Kafka {
    return new Kafka({
      clientId: 'rk-faults',
      brokers: this.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, maxRetryTime: 5_000 },
    });
  }

  async killBroker(): Promise<void> {
    await killBroker('SIGKILL', { home: this.home });
  }

  async startBroker(): Promise<void> {
    await startBroker({ home: this.home });
  }

  stopDatabase(): Promise<void> {
    return stopThrowawayPostgresServer(this.pgDataDir);
  }

  startDatabase(): Promise<void> {
    return startThrowawayPostgresServer(this.pgDataDir);
  }

  /** A fresh database on the suite's cluster with the ledger and dedup tables. */
  async createDatabase(name: string): Promise<string> {
    const admin = new Client({ connectionString: this.pgUrl, connectionTimeoutMillis: 10_000 });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    const url = withDatabase(this.pgUrl, name);
    const ds = new DataSource({
      type: 'postgres',
      url,
      entities: LEDGER_ENTITIES,
      synchronize: true,
      logging: false,
    });
    await ds.initialize();
    try {
      const runner = ds.createQueryRunner();
      try {
        await new (createDedupTableMigration())().up(runner);
      } finally {
        await runner.release();
      }
    } finally {
      await ds.destroy();
    }
    return url;
  }
}

const HOME_PREFIX = 'faults-';

/** Brokers of fault runs whose process died without cleaning up (e.g. a SIGKILLed Jest). */
async function removeOrphanBrokers(log: (l: string) => void): Promise<void> {
  if (!fs.existsSync(KAFKA_HOME)) return;
  for (const entry of fs.readdirSync(KAFKA_HOME)) {
    const owner = entry.startsWith(HOME_PREFIX)
      ? parseInt(entry.slice(HOME_PREFIX.length), 10)
      : NaN;
    if (!owner || isAlive(owner)) continue;
    const home = path.join(KAFKA_HOME, entry);
    await stopBroker({ home }).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
    log(`[faults] removed the broker home ${home} of a dead run (pid ${owner})`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

// ------------------------------------------------------------------------------------ helpers

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seeded PRNG (mulberry32): a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function withAdmin<T>(
  kafka: Kafka,
  fn: (admin: ReturnType<Kafka['admin']>) => Promise<T>,
): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Records the group has not committed, over all partitions, from the broker's committed offsets. */
export async function brokerGroupLag(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    let lag = 0n;
    for (const end of ends) {
      const c = done.get(end.partition) ?? -1n;
      lag += BigInt(end.high) - (c < 0n ? BigInt(end.low) : c);
    }
    return Number(lag);
  });
}

interface TopicRecord {
  partition: number;
  offset: string;
  headers: Record<string, string>;
}

/** Every record of a topic, read up to its high watermarks by a throwaway consumer group. */
async function readTopic(kafka: Kafka, topic: string, timeoutMs = 120_000): Promise<TopicRecord[]> {
  const ends = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  const remaining = new Map(
    ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]),
  );
  const records: TopicRecord[] = [];
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({
    groupId: `rk-faults-reader-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) {
          const last = Array.isArray(v) ? v[v.length - 1] : v;
          if (last !== undefined) headers[k] = last.toString();
        }
        records.push({ partition, offset: message.offset, headers });
        const high = remaining.get(partition);
        if (high !== undefined && BigInt(message.offset) + 1n >= high) remaining.delete(partition);
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (remaining.size > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs} ms reading ${topic} (partitions left: ${[...remaining.keys()]})`,
        );
      await sleep(100);
    }
    return records;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

async function sendWithRetry(
  producer: Producer,
  topic: string,
  messages: Message[],
  deadline: number,
  onRetry: () => void,
): Promise<void> {
  for (;;) {
    try {
      await producer.send({ topic, acks: -1, messages });
      return;
    } catch (error) {
      // The broker may be down (a fault): send the chunk again. Copies on the wire are fine.
      if (Date.now() > deadline)
        throw new Error(
          `producer: could not send to ${topic} before the deadline: ${(error as Error).message}`,
        );
      onRetry();
      await sleep(500);
    }
  }
}

// ------------------------------------------------------------------------------------ workers

interface Slot {
  id: number;
  worker?: WorkerProcess;
  exit?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive: boolean;
  /** Stopped on purpose: the supervisor does not restart it. */
  parked: boolean;
  /** A fault is handling this slot right now. */
  busy: boolean;
  extra: boolean;
  /** Launched with a kill hook: not picked for other faults, so that the hook gets to fire. */
  armed: boolean;
}

/** Pools of scenarios in progress, so that an interrupted run can kill their processes. */
const livePools = new Set<WorkerPool>();

/** SIGKILLs the worker processes of every scenario still running (Ctrl-C, a test timeout). */
export function killRunningWorkers(): void {
  for (const pool of livePools) pool.killAll();
}

class WorkerPool {
  readonly all: WorkerProcess[] = [];
  readonly slots: Slot[] = [];
  private supervising = true;
  private closed = false;
  private supervisor?: Promise<void>;
  startFailures = 0;
  selfKills = { afterCommit: 0, inHandler: 0 };
  unexpectedExits = 0;

  constructor(
    private readonly config: FaultWorkerConfig,
    private readonly env: Record<string, string>,
    private readonly deadline: number,
    private readonly log: (l: string) => void,
  ) {}

  async add(extra = false, hook?: Partial<FaultWorkerConfig>): Promise<Slot> {
    const slot: Slot = {
      id: this.slots.length,
      alive: false,
      parked: false,
      busy: true,
      extra,
      armed: false,
    };
    this.slots.push(slot);
    await this.launch(slot, hook);
    slot.busy = false;
    return slot;
  }

  /** Starts the slot's process, retrying while the broker or the database is down. */
  async launch(slot: Slot, hook?: Partial<FaultWorkerConfig>): Promise<void> {
    const armed = hook ?? {};
    slot.armed = armed.killAfterCommitAt !== undefined || armed.killInHandlerAt !== undefined;
    if (slot.armed) this.log(`[faults] worker ${slot.id} armed: ${JSON.stringify(armed)}`);
    for (;;) {
      if (this.closed) throw new Error(`worker ${slot.id}: not started, the pool is closed`);
      if (Date.now() > this.deadline)
        throw new Error(`worker ${slot.id}: could not be started before the scenario deadline`);
      try {
        const worker = await WorkerProcess.start(
          WORKER,
          { ...this.config, ...armed },
          90_000,
          this.env,
        );
        this.all.push(worker);
        if (this.closed) worker.kill('SIGKILL');
        slot.worker = worker;
        slot.alive = true;
        slot.exit = worker.exit(2_000_000_000).then((r) => {
          slot.alive = false;
          return r;
        });
        return;
      } catch (error) {
        this.startFailures++;
        this.log(
          `[faults] worker ${slot.id} did not start (${String((error as Error).message)
            .split('\n')[0]
            .slice(0, 200)}); retrying`,
        );
        await sleep(1_000);
      }
    }
  }

  /** Restarts workers that died on their own (a kill hook fired, or a crash). */
  startSupervising(): void {
    this.supervisor = (async () => {
      while (this.supervising) {
        for (const slot of this.slots) {
          if (slot.alive || slot.parked || slot.busy || !slot.worker) continue;
          slot.busy = true;
          const lines = slot.worker.lines;
          if (lines.some((l) => l.startsWith('KILL after-commit'))) this.selfKills.afterCommit++;
          else if (lines.some((l) => l.startsWith('KILL in-handler'))) this.selfKills.inHandler++;
          else {
            this.unexpectedExits++;
            this.log(
              `[faults] worker ${slot.id} exited unexpectedly: ${slot.worker.stderrTail().slice(-500)}`,
            );
          }
          try {
            await this.launch(slot);
          } finally {
            slot.busy = false;
          }
        }
        await sleep(200);
      }
    })();
  }

  async stopSupervising(): Promise<void> {
    this.supervising = false;
    await this.supervisor;
  }

  pick(rnd: () => number): Slot | undefined {
    const ready = this.slots.filter((s) => s.alive && !s.busy && !s.parked && !s.extra);
    const unarmed = ready.filter((s) => !s.armed);
    const from = unarmed.length ? unarmed : ready;
    return from.length ? from[Math.floor(rnd() * from.length)] : undefined;
  }

  /** A worker to hit, waiting a while if all are restarting right now. */
  async pickWithin(rnd: () => number, ms: number): Promise<Slot | undefined> {
    const until = Date.now() + ms;
    for (;;) {
      const slot = this.pick(rnd);
      if (slot || Date.now() > until) return slot;
      await sleep(200);
    }
  }

  /** Graceful stop of every worker, then SIGKILL of any that would not go. */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.parked = true;
        if (slot.worker && slot.alive) await slot.worker.stop().catch(() => undefined);
      }),
    );
  }

  killAll(): void {
    this.closed = true;
    this.supervising = false;
    for (const w of this.all) w.kill('SIGKILL');
  }
}

// ------------------------------------------------------------------------------------ scenario

export async function runScenario(
  env: FaultEnvironment,
  options: ScenarioOptions,
): Promise<FaultReport> {
  const log = options.log ?? (() => undefined);
  const began = Date.now();
  const deadline = began + options.timeoutMs;
  const rnd = random(options.seed);
  const runId = `${options.name}-${Date.now().toString(36)}`.replace(/[^a-z0-9-]/gi, '-');
  const topic = `faults-${runId}`;
  const dlqTopic = `${topic}.dlq`;
  const groupId = `faults-group-${runId}`;
  const kafka = env.kafka();

  // --- the messages: unique keys, a share poison, a share resent later
  const accounts = 50;
  const messages: FaultMessage[] = [];
  const poisonRaw = new Set<string>();
  for (let i = 0; i < options.messages; i++) {
    const id = `${runId}-k${i}`;
    const poison = rnd() * 100 < options.poisonPercent;
    messages.push({
      id,
      account: `acct-${i % accounts}`,
      amount: 1 + (i % 9),
      ...(poison ? { poison: true } : {}),
    });
    if (poison && rnd() < 0.5) poisonRaw.add(id); // undecodable bytes instead of a JSON poison flag
  }
  const toWire = (m: FaultMessage): Message => ({
    key: m.account,
    value: poisonRaw.has(m.id) ? Buffer.from(`\u0000not json ${m.id}`) : JSON.stringify(m),
    headers: { 'idempotency-key': m.id },
  });
  // The send order: every message once, and resends of a share of them some while later.
  const order: FaultMessage[] = [];
  const resendQueue: FaultMessage[] = [];
  let resent = 0;
  for (const m of messages) {
    order.push(m);
    if (!m.poison && rnd() * 100 < options.resendPercent) resendQueue.push(m);
    if (resendQueue.length > 0 && rnd() < options.resendPercent / 100) {
      order.push(resendQueue.shift()!);
      resent++;
    }
  }
  resent += resendQueue.length;
  order.push(...resendQueue);

  const dbName = `faults_${runId.replace(/-/g, '_').toLowerCase()}`.slice(0, 63);
  const dbUrl = await env.createDatabase(dbName);
  await withAdmin(kafka, async (admin) => {
    await admin.createTopics({
      topics: [
        { topic, numPartitions: options.partitions, replicationFactor: 1 },
        { topic: dlqTopic, numPartitions: options.partitions, replicationFactor: 1 },
      ],
    });
    await waitForLeaders(admin, [topic, dlqTopic]);
  });

  const workerConfig: FaultWorkerConfig = {
    brokers: env.brokers,
    topic,
    groupId,
    dbUrl,
    transientFailurePercent: options.transientFailurePercent,
    unsafeBypassDedup: options.unsafeBypassDedup,
    // With the broken library, commit only at batch ends: a periodic commit in mid-batch would move
    // the committed offset back to the processed position before the kill and hide the loss by chance.
    commit: options.unsafeCommitBeforeProcess ? { strategy: 'batch' } : undefined,
  };
  const workerEnv: Record<string, string> = options.unsafeCommitBeforeProcess
    ? { RK_UNSAFE_COMMIT_BEFORE_PROCESS: '1' }
    : {};
  const pool = new WorkerPool(workerConfig, workerEnv, deadline, log);
  livePools.add(pool);
  const injected: Record<string, number> = {
    sigkill: 0,
    'sigkill-after-commit-hook': 0,
    'sigkill-in-handler': 0,
    sigterm: 0,
    'sigterm-clean-close': 0,
    join: 0,
    leave: 0,
    'broker-restart': 0,
    'db-outage': 0,
    'transient-failure-keys': 0,
    'poison-messages': messages.filter((m) => m.poison).length,
    'producer-send-retries': 0,
  };

  let producer: Producer | undefined;
  try {
    await Promise.all(
      Array.from({ length: options.workers }, (_, i) => {
        if (i === 0 && options.initialInHandlerKillAt !== undefined)
          return pool.add(false, { killInHandlerAt: options.initialInHandlerKillAt });
        if (i === 1 && options.armAtStart)
          return pool.add(false, { killAfterCommitAt: 50 + Math.floor(rnd() * 250) });
        if (i === 2 && options.armAtStart)
          return pool.add(false, { killInHandlerAt: 50 + Math.floor(rnd() * 250) });
        return pool.add(false);
      }),
    );
    pool.startSupervising();
    log(
      `[faults] ${options.name}: ${options.workers} workers ready in ${Date.now() - began} ms; topic ${topic} (${options.partitions} partitions)`,
    );

    // --- the producer, paced
    producer = kafka.producer({
      allowAutoTopicCreation: false,
      retry: { retries: 5, maxRetryTime: 3_000 },
    });
    await producer.connect();
    const productionMs = (order.length / options.produceRatePerSec) * 1000;
    let sent = 0;
    const producing = (async () => {
      const chunk = Math.max(1, Math.round(options.produceRatePerSec / 10));
      const start = Date.now();
      for (let i = 0; i < order.length; i += chunk) {
        const due = start + (i / options.produceRatePerSec) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        await sendWithRetry(
          producer!,
          topic,
          order.slice(i, i + chunk).map(toWire),
          deadline,
          () => injected['producer-send-retries']++,
        );
        sent = Math.min(order.length, i + chunk);
      }
    })();

    // --- the faults, in a seeded random order over the window
    const plan: FaultKind[] = [];
    for (const [kind, n] of Object.entries(options.faults) as [FaultKind, number][])
      for (let i = 0; i < n; i++) plan.push(kind);
    for (let i = plan.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [plan[i], plan[j]] = [plan[j], plan[i]];
    }
    // The infrastructure faults go in the first half, so that messages keep arriving during them.
    for (const kind of ['broker-restart', 'db-outage'] as FaultKind[]) {
      plan.forEach((k, i) => {
        if (k !== kind || i < plan.length / 2) return;
        const j = Math.floor(rnd() * Math.ceil(plan.length / 2));
        [plan[i], plan[j]] = [plan[j], plan[i]];
      });
    }
    // Faults take time themselves (restarts, outages): spread them over most of the production.
    const windowMs = options.faultWindowMs ?? productionMs * 0.7;
    const faultStart = Date.now();
    for (let i = 0; i < plan.length; i++) {
      const at = faultStart + ((i + 0.2 + rnd() * 0.6) / plan.length) * windowMs;
      if (at > Date.now()) await sleep(at - Date.now());
      if (Date.now() > deadline)
        throw new Error(`scenario ${options.name}: deadline passed while injecting faults`);
      await injectFault(plan[i]);
      log(
        `[faults] ${options.name} +${((Date.now() - began) / 1000).toFixed(0)} s: ${plan[i]} done (${i + 1}/${plan.length}, ${sent} records sent)`,
      );
    }
    await producing;
    await producer.disconnect();
    producer = undefined;
    log(
      `[faults] ${options.name}: ${sent} records sent, ${plan.length} faults injected, waiting for lag 0 (${Date.now() - began} ms)`,
    );

    // --- wait until the group has committed everything (read from the broker) and the workers
    // are idle (a broken library may show lag 0 while it still works, or before it loses work).
    let lag = -1;
    let lastLog = 0;
    let lines = -1;
    let quietSince = Date.now();
    for (;;) {
      lag = await brokerGroupLag(kafka, groupId, topic).catch(() => -1);
      const now = pool.all.reduce((n, w) => n + w.lines.length, 0);
      if (now !== lines) {
        lines = now;
        quietSince = Date.now();
      }
      if (lag === 0 && Date.now() - quietSince >= 3_000) break;
      if (Date.now() > deadline) {
        throw new Error(
          `scenario ${options.name}: timed out after ${options.timeoutMs} ms waiting for group lag 0 (lag ${lag})`,
        );
      }
      if (Date.now() - lastLog > 10_000) {
        log(`[faults] ${options.name}: lag ${lag}`);
        lastLog = Date.now();
      }
      await sleep(500);
    }
    await pool.stopSupervising();
    await pool.stopAll();

    async function injectFault(kind: FaultKind): Promise<void> {
      switch (kind) {
        case 'sigkill':
        case 'hook-kill':
        case 'in-handler-kill': {
          const slot = await pool.pickWithin(rnd, 30_000);
          if (!slot) return;
          slot.busy = true;
          try {
            slot.worker!.kill('SIGKILL');
            await slot.exit;
            injected.sigkill++;
            await sleep(rnd() * 500);
            const hook =
              kind === 'hook-kill'
                ? { killAfterCommitAt: 1 + Math.floor(rnd() * 60) }
                : kind === 'in-handler-kill'
                  ? { killInHandlerAt: 1 + Math.floor(rnd() * 60) }
                  : undefined;
            await pool.launch(slot, hook);
          } finally {
            slot.busy = false;
          }
          return;
        }
        case 'sigterm': {
          const slot = await pool.pickWithin(rnd, 30_000);
          if (!slot) return;
          slot.busy = true;
          try {
            slot.worker!.kill('SIGTERM');
            const r = await slot.worker!.exit(30_000);
            injected.sigterm++;
            if (slot.worker!.lines.some((l) => l.startsWith('CLOSED')) && r.signal === 'SIGTERM')
              injected['sigterm-clean-close']++;
            await sleep(1_000);
            await pool.launch(slot);
          } finally {
            slot.busy = false;
          }
          return;
        }
        case 'rebalance': {
          const slot = await pool.add(true);
          injected.join++;
          await sleep(3_000 + rnd() * 3_000);
          slot.parked = true;
          await slot.worker!.stop();
          injected.leave++;
          return;
        }
        case 'broker-restart': {
          await env.killBroker();
          await sleep(1_000 + rnd() * 2_000);
          await env.startBroker();
          injected['broker-restart']++;
          return;
        }
        case 'db-outage': {
          const before = sent;
          await env.stopDatabase();
          await sleep(options.dbOutageMs);
          await env.startDatabase();
          injected['db-outage']++;
          injected['records-sent-during-db-outage'] =
            (injected['records-sent-during-db-outage'] ?? 0) + sent - before;
          return;
        }
      }
    }
  } catch (error) {
    pool.killAll();
    await pool.stopSupervising().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    // A stopped database must come back for the next scenario.
    await env.startDatabase().catch(() => undefined);
    throw error;
  } finally {
    livePools.delete(pool);
  }

  // Counted from what the processes printed just before killing themselves.
  const selfKills = (how: string) =>
    pool.all.filter((w) => w.lines.some((l) => l.startsWith(`KILL ${how}`))).length;
  injected['sigkill-after-commit-hook'] = selfKills('after-commit');
  injected['sigkill-in-handler'] = selfKills('in-handler');
  const report = await check({
    env,
    kafka,
    options,
    runId,
    topic,
    dlqTopic,
    groupId,
    dbUrl,
    messages,
    sentCount: order.length,
    resent,
    pool,
    injected,
    began,
  });
  const reportFile = options.reportFile === undefined ? REPORT_FILE : options.reportFile;
  if (reportFile) fs.writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

// ------------------------------------------------------------------------------------ checker

async function check(args: {
  env: FaultEnvironment;
  kafka: Kafka;
  options: ScenarioOptions;
  runId: string;
  topic: string;
  dlqTopic: string;
  groupId: string;
  dbUrl: string;
  messages: FaultMessage[];
  sentCount: number;
  resent: number;
  pool: WorkerPool;
  injected: Record<string, number>;
  began: number;
}): Promise<FaultReport> {
  const { kafka, options, messages, pool, injected } = args;
  const finalLag = await brokerGroupLag(kafka, args.groupId, args.topic);

  // The database: applied effects per key, and balances.
  const db = new Client({ connectionString: args.dbUrl, connectionTimeoutMillis: 10_000 });
  await db.connect();
  let applied: Map<string, number>;
  let balances: Map<string, number>;
  try {
    const entries = await db.query<{ key: string; n: string }>(
      'SELECT "idempotencyKey" AS key, COUNT(*) AS n FROM ledger_entry GROUP BY "idempotencyKey"',
    );
    applied = new Map(entries.rows.map((r) => [r.key, Number(r.n)]));
    const accounts = await db.query<{ id: string; balance: number }>(
      'SELECT id, balance FROM ledger_account',
    );
    balances = new Map(accounts.rows.map((r) => [r.id, Number(r.balance)]));
  } finally {
    await db.end();
  }

  // The broker: every source record per key, and every DLQ copy per (key, original offset).
  const source = await readTopic(kafka, args.topic);
  const sourceOffsets = new Map<string, Set<string>>();
  for (const r of source) {
    const key = r.headers['idempotency-key'];
    const set = sourceOffsets.get(key) ?? new Set<string>();
    set.add(`${r.partition}@${r.offset}`);
    sourceOffsets.set(key, set);
  }
  const dlqRecords = await readTopic(kafka, args.dlqTopic);
  const dlqOffsets = new Map<string, Set<string>>();
  for (const r of dlqRecords) {
    const key = r.headers['idempotency-key'];
    const set = dlqOffsets.get(key) ?? new Set<string>();
    set.add(
      `${r.headers[DeadLetterHeaders.originalPartition]}@${r.headers[DeadLetterHeaders.originalOffset]}`,
    );
    dlqOffsets.set(key, set);
  }

  const diff = emptyKeyDiff();
  const expectedBalance = new Map<string, number>();
  for (const m of messages) {
    const a = applied.get(m.id) ?? 0;
    const inDlq = dlqOffsets.get(m.id);
    if (m.poison) {
      if (a > 0) diff.poisonApplied.push(`${m.id} applied ${a}x`);
      const want = sourceOffsets.get(m.id) ?? new Set<string>();
      const got = inDlq ?? new Set<string>();
      if (!inDlq && a === 0) diff.lost.push(`${m.id} (poison: neither applied nor in the DLQ)`);
      else if ([...want].some((o) => !got.has(o)))
        diff.dlqMissingCopies.push(`${m.id} DLQ has ${[...got]} of source ${[...want]}`);
      if ([...got].some((o) => !want.has(o)))
        diff.dlqExtraCopies.push(`${m.id} DLQ ${[...got]} vs source ${[...want]}`);
    } else {
      expectedBalance.set(m.account, (expectedBalance.get(m.account) ?? 0) + m.amount);
      if (a === 0 && !inDlq) diff.lost.push(m.id);
      if (a > 1) diff.appliedTwice.push(`${m.id} applied ${a}x`);
      if (a > 0 && inDlq) diff.appliedAndDeadLettered.push(m.id);
      if (a === 0 && inDlq) diff.wronglyDeadLettered.push(m.id);
    }
  }
  for (const [account, want] of expectedBalance) {
    const got = balances.get(account) ?? 0;
    if (got !== want)
      diff.balances.push(
        `${account}: balance ${got}, expected ${want} (${got > want ? '+' : ''}${got - want})`,
      );
  }

  // What the workers saw (their stdout, including the processes that were killed).
  let processed = 0;
  let duplicates = 0;
  let deadLettered = 0;
  let retriesHandler = 0;
  let retriesDb = 0;
  const deliveriesPerRecord = new Map<string, number>();
  for (const w of pool.all) {
    for (const line of w.lines) {
      const [tag, key, p, o] = line.split(' ');
      if (tag === 'P' || tag === 'D' || tag === 'L') {
        if (tag === 'P') processed++;
        else if (tag === 'D') duplicates++;
        else deadLettered++;
        const rec = `${p}@${o}`;
        deliveriesPerRecord.set(rec, (deliveriesPerRecord.get(rec) ?? 0) + 1);
      } else if (tag === 'R') {
        if (p === 'database-unavailable') retriesDb++;
        else retriesHandler++;
        void key;
      }
    }
  }
  const redeliveries = [...deliveriesPerRecord.values()].reduce(
    (s, n) => s + Math.max(0, n - 1),
    0,
  );
  injected['transient-failure-keys'] = messages.filter(
    (m) => !m.poison && failsTransiently(m.id, options.transientFailurePercent),
  ).length;
  injected['worker-start-retries'] = pool.startFailures;
  injected['unexpected-worker-exits'] = pool.unexpectedExits;

  const capped = emptyKeyDiff();
  for (const kind of Object.keys(diff) as (keyof KeyDiff)[]) capped[kind] = diff[kind].slice(0, 50);
  const dlqKeys = [...dlqOffsets.keys()].length;
  const dlqCopies = [...dlqOffsets.values()].reduce((s, set) => s + set.size, 0);
  const { log: _log, reportFile: _file, ...settings } = options;
  void _log;
  void _file;
  const report: FaultReport = {
    scenario: options.name,
    date: new Date().toISOString(),
    settings,
    messages: {
      uniqueKeys: messages.length,
      sent: args.sentCount,
      resent: args.resent,
      poison: messages.filter((m) => m.poison).length,
      sourceRecords: source.length,
    },
    faultsInjected: injected,
    deliveries: {
      processed,
      redeliveriesObserved: redeliveries,
      duplicatesAbsorbed: duplicates,
      retriesHandler,
      retriesDatabaseUnavailable: retriesDb,
      deadLetteredEvents: deadLettered,
    },
    dlq: { keys: dlqKeys, copies: dlqCopies, rawCopies: dlqRecords.length },
    lost: diff.lost.length,
    appliedTwice: diff.appliedTwice.length,
    appliedAndDeadLettered: diff.appliedAndDeadLettered.length,
    wronglyDeadLettered: diff.wronglyDeadLettered.length,
    poisonApplied: diff.poisonApplied.length,
    balanceMismatches: diff.balances.length,
    finalLag,
    wallTimeMs: Date.now() - args.began,
    diff: capped,
    ok: false,
  };
  report.ok =
    report.lost === 0 &&
    report.appliedTwice === 0 &&
    report.appliedAndDeadLettered === 0 &&
    report.wronglyDeadLettered === 0 &&
    report.poisonApplied === 0 &&
    report.balanceMismatches === 0 &&
    diff.dlqMissingCopies.length === 0 &&
    diff.dlqExtraCopies.length === 0 &&
    report.finalLag === 0;
  return report;
}

/** The short printed table. */
export function formatReport(r: FaultReport): string {
  const f = r.faultsInjected;
  const rows: [string, string | number][] = [
    ['scenario', r.scenario],
    [
      'messages (unique keys / records sent / resent / poison)',
      `${r.messages.uniqueKeys} / ${r.messages.sent} / ${r.messages.resent} / ${r.messages.poison}`,
    ],
    ['faults: SIGKILL from outside', f.sigkill],
    [
      'faults: SIGKILL at hook (after DB commit, before offset commit)',
      f['sigkill-after-commit-hook'],
    ],
    ['faults: SIGKILL inside handler (before DB commit)', f['sigkill-in-handler']],
    ['faults: SIGTERM (clean CLOSED)', `${f.sigterm} (${f['sigterm-clean-close']})`],
    ['faults: instances joined / left', `${f.join} / ${f.leave}`],
    ['faults: broker kill -9 + restart', f['broker-restart']],
    [
      'faults: database outages (records sent meanwhile)',
      `${f['db-outage']} x ${r.settings.dbOutageMs} ms (${f['records-sent-during-db-outage'] ?? 0})`,
    ],
    [
      'faults: transiently failing keys / poison messages',
      `${f['transient-failure-keys']} / ${f['poison-messages']}`,
    ],
    [
      'handler retries (handler / database unavailable)',
      `${r.deliveries.retriesHandler} / ${r.deliveries.retriesDatabaseUnavailable}`,
    ],
    ['redeliveries observed', r.deliveries.redeliveriesObserved],
    ['duplicates absorbed', r.deliveries.duplicatesAbsorbed],
    [
      'DLQ (keys / copies per original offset / raw copies)',
      `${r.dlq.keys} / ${r.dlq.copies} / ${r.dlq.rawCopies}`,
    ],
    ['LOST', r.lost],
    ['APPLIED TWICE', r.appliedTwice],
    [
      'applied and dead-lettered / wrongly dead-lettered / poison applied',
      `${r.appliedAndDeadLettered} / ${r.wronglyDeadLettered} / ${r.poisonApplied}`,
    ],
    ['balance mismatches', r.balanceMismatches],
    ['final group lag (broker)', r.finalLag],
    ['wall time', `${(r.wallTimeMs / 1000).toFixed(1)} s`],
    ['result', r.ok ? 'OK' : 'FAILED'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  for (const [name, keys] of Object.entries(r.diff)) {
    if (keys.length)
      lines.push(`${name}: ${keys.slice(0, 10).join(', ')}${keys.length > 10 ? ', ...' : ''}`);
  }
  return lines.join('\n');
}

/** Keys of a report that break the contract, for a test's failure message. */
export function contractViolations(r: FaultReport): KeyDiff & { finalLag: number } {
  return { ...r.diff, finalLag: r.finalLag };
}

export const NO_VIOLATIONS: KeyDiff & { finalLag: number } = { ...emptyKeyDiff(), finalLag: 0 };
