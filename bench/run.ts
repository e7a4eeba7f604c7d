/**
 * The consumer benchmarks: `npm run bench [-- --messages N ...]`.
 *
 * For each contender, one after the other (never in parallel): a fresh topic and a fresh
 * PostgreSQL database, a pre-loaded backlog of 1 KB credit messages, then the contender as a
 * child process that drains the backlog (throughput), then a paced load (latency), then a
 * correctness check. The same broker and PostgreSQL server serve every contender. Results go to
 * bench/results/<timestamp>.json, bench/results/latest.json and docs/performance.md.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommitStrategy } from '@reliable-kafka/nestjs';
import { startBroker, stopBroker } from '../tools/kafka/kafka-broker';
import {
  checkDatabase,
  createBenchDatabase,
  dropBenchDatabase,
  measureDbCeiling,
  serverVersion,
  urlFor,
  xactCommit,
  type CeilingResult,
  type CheckResult,
} from './bench-db';
import {
  benchKafka,
  createTopic,
  CreditSource,
  deleteGroups,
  deleteTopic,
  produceBacklog,
  producePaced,
} from './bench-kafka';
import type { ChildConfig, ChildProgress, ChildReport } from './consumer-child';
import { libraryContenders, mainContenders, type Contender } from './contenders';
import { summariseProfile, type FrameSummary } from './cpu-profile';
import { contenderHeaders, contenderTable, writePerformanceDoc } from './report';

const ROOT = path.resolve(__dirname, '..');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
/** Compiled JavaScript of the consumer child (git-ignored), rebuilt at the start of every run. */
const BUILD_DIR = path.join(ROOT, '.bench-build');

export interface BenchOptions {
  messages: number;
  partitions: number;
  accounts: number;
  messageBytes: number;
  rates: number[];
  latencySeconds: number;
  onePartitionMessages: number;
  profileMessages: number;
  batchRecords: number;
  batchHandlerRecords: number;
  keyConcurrency: number;
  commit: CommitStrategy;
  partitionsConsumedConcurrently: number;
  poolSize: number;
  ceilingSeconds: number;
  only?: string[];
  profile: boolean;
  doc: boolean;
}

function parseArgs(argv: string[]): BenchOptions {
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [name, inline] = a.slice(2).split('=', 2);
    if (inline !== undefined) args.set(name, inline);
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) args.set(name, argv[++i]);
    else flags.add(name);
  }
  const quick = flags.has('quick');
  const num = (name: string, def: number) => {
    const v = args.get(name);
    if (v === undefined) return def;
    const n = Number(v.replace(/_/g, '').replace(/k$/i, '000'));
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`--${name} must be a positive number, got ${v}`);
    return n;
  };
  const messages = num('messages', quick ? 5_000 : 100_000);
  const commitName = args.get('commit') ?? 'batch';
  const commit: CommitStrategy =
    commitName === 'record'
      ? { strategy: 'record' }
      : commitName === 'periodic'
        ? { strategy: 'periodic', everyRecords: 1000, everyMs: 1000 }
        : commitName === 'batch'
          ? { strategy: 'batch' }
          : (() => {
              throw new Error(`--commit must be record, batch or periodic, got ${commitName}`);
            })();
  const known = new Set([
    'messages',
    'partitions',
    'accounts',
    'message-bytes',
    'rates',
    'latency-seconds',
    'one-partition-messages',
    'profile-messages',
    'batch-records',
    'batch-handler-records',
    'key-concurrency',
    'commit',
    'pcc',
    'pool-size',
    'ceiling-seconds',
    'only',
  ]);
  for (const name of args.keys()) if (!known.has(name)) throw new Error(`unknown option --${name}`);
  for (const name of flags)
    if (!['quick', 'no-profile', 'no-doc'].includes(name))
      throw new Error(`unknown flag --${name}`);
  return {
    messages,
    partitions: num('partitions', 12),
    accounts: num('accounts', 1000),
    messageBytes: num('message-bytes', 1024),
    rates: (args.get('rates') ?? '500,2000').split(',').map((r) => {
      const n = Number(r);
      if (!Number.isFinite(n) || n <= 0)
        throw new Error(
          `--rates must be a comma list of positive numbers, got ${args.get('rates')}`,
        );
      return n;
    }),
    latencySeconds: num('latency-seconds', quick ? 5 : 10),
    onePartitionMessages: num('one-partition-messages', Math.min(messages, quick ? 2_000 : 5_000)),
    profileMessages: num('profile-messages', Math.min(messages, quick ? 5_000 : 15_000)),
    batchRecords: num('batch-records', 100),
    batchHandlerRecords: num('batch-handler-records', 500),
    keyConcurrency: num('key-concurrency', 16),
    commit,
    partitionsConsumedConcurrently: num('pcc', 1),
    poolSize: num('pool-size', 20),
    ceilingSeconds: num('ceiling-seconds', quick ? 2 : 5),
    only: args
      .get('only')
      ?.split(',')
      .map((s) => s.trim()),
    profile: !flags.has('no-profile'),
    doc: !flags.has('no-doc'),
  };
}

export interface LatencyPoint {
  offeredRate: number;
  achievedProducerRate: number;
  seconds: number;
  sent: number;
  received: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Last completion of the phase minus the last send: large when the consumer fell behind. */
  catchUpMs: number | null;
  sustained: boolean;
  note?: string;
}

export interface ContenderResult {
  id: string;
  label: string;
  partitions: number;
  backlog: number;
  drained: number;
  complete: boolean;
  drainSeconds: number | null;
  messagesPerSec: number | null;
  latency: LatencyPoint[] | null;
  peakRssDrainMb: number | null;
  /** RSS of the consumer right after start-up, before the first message (module code, connections). */
  rssAtReadyMb: number | null;
  peakRssMb: number | null;
  dbTransactions: number | null;
  transactionsPerMessage: number | null;
  duplicates: number;
  check: CheckResult;
  vsA: number | null;
  vsC: number | null;
  error?: string;
  /** Drain window on the monotonic clock (µs), to cut a CPU profile to it. */
  drainWindowUs?: [number, number];
  profile?: { file: string; totalMs: number; frames: FrameSummary[]; byArea: FrameSummary[] };
}

export interface TargetResult {
  name: string;
  /** The contender to CPU-profile when the target is missed. */
  profile: { id: string; partitions: 'all' | 1 } | null;
  pass: boolean | null;
  measured: string;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  machine: {
    nproc: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    kafka: string;
    postgres: string;
    kafkajs: string;
    os: string;
    /** `os.loadavg()` (1, 5, 15 min) when the run started and when it ended: the machine is shared. */
    loadAverage: { start: number[]; end: number[] };
  };
  options: BenchOptions;
  dbCeiling: CeilingResult[];
  contenders: ContenderResult[];
  onePartition: ContenderResult[];
  targets: TargetResult[];
  profiles: ContenderResult[];
  notes: string[];
}

/** Everything to undo if we are interrupted: children, topics, databases. */
const cleanup = {
  children: new Set<ChildProcess>(),
  databases: new Set<string>(),
  topics: new Set<string>(),
};

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function vmHwmMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status);
    return kb ? Number(kb[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Child {
  progress: ChildProgress = {
    type: 'progress',
    drained: 0,
    firstDrainAt: null,
    lastDrainAt: null,
    firstDrainUs: null,
    lastDrainUs: null,
    latencyCount: 0,
    rssPeak: 0,
    rssAtReady: 0,
  };
  ready = false;
  exited = false;
  stderr = '';
  private reportWaiter?: (r: ChildReport) => void;
  private readonly exitPromise: Promise<void>;

  constructor(readonly proc: ChildProcess) {
    cleanup.children.add(proc);
    proc.on('message', (m: { type: string }) => {
      if (m.type === 'ready') this.ready = true;
      if (m.type === 'progress') this.progress = m as ChildProgress;
      if (m.type === 'report') this.reportWaiter?.(m as ChildReport);
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
      if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
    });
    this.exitPromise = new Promise((resolve) =>
      proc.on('exit', () => {
        this.exited = true;
        cleanup.children.delete(proc);
        resolve();
      }),
    );
  }

  /** Runs the compiled child, as a production app runs: no TypeScript compiler in the process. */
  static start(config: ChildConfig, execArgv: string[] = []): Child {
    const proc = fork(path.join(BUILD_DIR, 'bench', 'consumer-child.js'), [], {
      cwd: ROOT,
      execArgv,
      env: {
        ...process.env,
        BENCH_CHILD_CONFIG: JSON.stringify(config),
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    return new Child(proc);
  }

  async waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.exited)
        throw new Error(`consumer exited while waiting for ${what}: ${this.stderr.slice(-1500)}`);
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
    return true;
  }

  async report(timeoutMs = 10_000): Promise<ChildReport | null> {
    if (this.exited) return null;
    const answer = new Promise<ChildReport>((resolve) => (this.reportWaiter = resolve));
    this.proc.send({ type: 'report' });
    return Promise.race([answer, sleep(timeoutMs).then(() => null)]);
  }

  /** Clean stop over IPC (so a CPU profile gets written); SIGKILL after the timeout. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.exited) return;
    try {
      this.proc.send({ type: 'stop' });
    } catch {
      this.proc.kill('SIGTERM');
    }
    const timer = setTimeout(() => {
      if (!this.exited) this.proc.kill('SIGKILL');
    }, timeoutMs);
    await this.exitPromise;
    clearTimeout(timer);
  }
}

interface RunSpec {
  contender: Contender;
  partitions: number;
  messages: number;
  latency: boolean;
  profileDir?: string;
  /** Contender id suffix in topic/db names. */
  tag: string;
}

async function runContender(
  spec: RunSpec,
  opts: BenchOptions,
  brokers: string[],
): Promise<ContenderResult> {
  const { contender } = spec;
  const kafka = benchKafka(brokers);
  const stamp = Date.now().toString(36);
  const topic = `rk-bench-${spec.tag}-${stamp}`;
  const groupId = `rk-bench-${spec.tag}-${stamp}`;
  const result: ContenderResult = {
    id: contender.id,
    label: contender.label,
    partitions: spec.partitions,
    backlog: spec.messages,
    drained: 0,
    complete: false,
    drainSeconds: null,
    messagesPerSec: null,
    latency: null,
    peakRssDrainMb: null,
    rssAtReadyMb: null,
    peakRssMb: null,
    dbTransactions: null,
    transactionsPerMessage: null,
    duplicates: 0,
    check: { ok: false, detail: 'not run' },
    vsA: null,
    vsC: null,
  };
  let dbName: string | undefined;
  let child: Child | undefined;
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
  try {
    dbName = await createBenchDatabase(spec.tag, opts.accounts);
    cleanup.databases.add(dbName);
    cleanup.topics.add(topic);
    await createTopic(kafka, topic, spec.partitions);
    await producer.connect();
    const source = new CreditSource(opts.accounts, opts.messageBytes);
    const loadStart = Date.now();
    await produceBacklog(producer, topic, source, spec.messages);
    log(
      `${contender.id}: backlog of ${spec.messages} loaded into ${topic} (${spec.partitions} partitions) in ${((Date.now() - loadStart) / 1000).toFixed(1)} s`,
    );

    const xact0 = await xactCommit(dbName);
    const execArgv = spec.profileDir
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${spec.profileDir}`,
          `--cpu-prof-name=${spec.tag}.cpuprofile`,
        ]
      : [];
    child = Child.start(
      {
        kind: contender.kind,
        brokers,
        topic,
        groupId,
        dbUrl: urlFor(dbName),
        poolSize: opts.poolSize,
        processing: contender.processing,
        batchHandlerRecords: contender.batchHandlerRecords,
        commit: contender.commit,
        partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently,
      },
      execArgv,
    );
    const c = child;
    if (!(await c.waitFor(() => c.ready, 90_000, 'ready')))
      throw new Error('consumer did not become ready within 90 s');

    // Drain: generous bound (a contender at 100 msg/s still finishes), else reported as incomplete.
    const drainTimeoutMs = 60_000 + spec.messages * 10;
    let lastLog = Date.now();
    const drainDeadline = Date.now() + drainTimeoutMs;
    let stalledSince = Date.now();
    let lastCount = 0;
    while (c.progress.drained < spec.messages && Date.now() < drainDeadline) {
      await c.waitFor(() => false, 500, 'drain'); // a pause that throws if the consumer died
      if (c.progress.drained !== lastCount) {
        lastCount = c.progress.drained;
        stalledSince = Date.now();
      } else if (Date.now() - stalledSince > 60_000) {
        break; // no progress for a minute
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`${contender.id}: ${c.progress.drained}/${spec.messages} drained`);
      }
    }
    const p = c.progress;
    result.drained = p.drained;
    result.complete = p.drained >= spec.messages;
    if (p.firstDrainAt !== null && p.lastDrainAt !== null && p.lastDrainAt > p.firstDrainAt) {
      result.drainSeconds = (p.lastDrainAt - p.firstDrainAt) / 1000;
      result.messagesPerSec = (p.drained - 1) / result.drainSeconds;
    }
    result.peakRssDrainMb = vmHwmMb(c.proc.pid);
    result.rssAtReadyMb = p.rssAtReady ? p.rssAtReady / 2 ** 20 : null;
    if (p.firstDrainUs !== null && p.lastDrainUs !== null)
      result.drainWindowUs = [p.firstDrainUs, p.lastDrainUs];
    log(
      `${contender.id}: drained ${p.drained}/${spec.messages} in ${result.drainSeconds?.toFixed(1)} s = ${result.messagesPerSec?.toFixed(0)} msg/s, VmHWM ${result.peakRssDrainMb?.toFixed(0)} MB (RSS after start-up ${result.rssAtReadyMb?.toFixed(0)} MB)`,
    );

    if (spec.latency && result.complete) {
      result.latency = [];
      for (const rate of opts.rates) {
        const phase = `l${rate}`;
        const before = c.progress.latencyCount;
        const paced = await producePaced(producer, topic, source, rate, opts.latencySeconds, phase);
        const reached = await c.waitFor(
          () => c.progress.latencyCount >= before + paced.sent,
          90_000,
          'latency messages',
        );
        const stats = (await c.report())?.latency[phase];
        const point: LatencyPoint = {
          offeredRate: rate,
          achievedProducerRate: paced.achievedRate,
          seconds: opts.latencySeconds,
          sent: paced.sent,
          received: stats?.count ?? 0,
          p50Ms: stats?.p50 ?? null,
          p99Ms: stats?.p99 ?? null,
          maxMs: stats?.max ?? null,
          catchUpMs: stats ? stats.lastAt - paced.endedAt : null,
          sustained: false,
        };
        // Kept up: everything consumed, the last one within 1 s of the last send (no queue built up).
        point.sustained =
          reached &&
          point.received >= point.sent &&
          point.catchUpMs !== null &&
          point.catchUpMs <= 1000;
        if (!point.sustained) {
          point.note = reached
            ? `cannot sustain ${rate} msg/s: a queue built up (last message done ${fmt((point.catchUpMs ?? 0) / 1000, 1)} s after the last send)`
            : `cannot sustain ${rate} msg/s: only ${point.received}/${paced.sent} consumed within 90 s after the phase`;
        }
        result.latency.push(point);
        log(
          `${contender.id}: latency at ${rate} msg/s offered: p50 ${fmt(point.p50Ms)} ms, p99 ${fmt(point.p99Ms)} ms (${point.received}/${paced.sent})${point.note ? ` ${point.note}` : ''}`,
        );
        if (!reached) break;
      }
    }
    const final = await c.report();
    result.duplicates = final?.duplicates ?? 0;
    result.peakRssMb = vmHwmMb(c.proc.pid);
    await c.stop();
    // Backends flush their statistics when their connection closes.
    await sleep(1500);
    const processed = (final?.drained ?? result.drained) + (final?.latencyCount ?? 0);
    if (contender.writes) {
      result.dbTransactions = (await xactCommit(dbName)) - xact0;
      result.transactionsPerMessage = processed ? result.dbTransactions / processed : null;
      result.check = await checkDatabase(dbName, source.expected, source.count, contender.dedup);
    } else {
      result.dbTransactions = 0;
      result.transactionsPerMessage = 0;
      const ok = processed === source.count;
      result.check = {
        ok,
        detail: `no database: messages seen ${processed} of ${source.count} produced${ok ? '' : ' -> MISMATCH'}`,
      };
    }
    log(`${contender.id}: check ${result.check.ok ? 'OK' : 'FAILED'}: ${result.check.detail}`);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    result.check = { ok: false, detail: `run failed: ${result.error}` };
    log(`${contender.id}: FAILED: ${result.error}`);
  } finally {
    await child?.stop(10_000).catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await deleteTopic(kafka, topic).catch((e: unknown) =>
      log(`could not delete topic ${topic}: ${String(e)}`),
    );
    cleanup.topics.delete(topic);
    await deleteGroups(kafka, [groupId, `${groupId}-server`]).catch(() => undefined);
    if (dbName) {
      await dropBenchDatabase(dbName).catch((e: unknown) =>
        log(`could not drop database ${dbName}: ${String(e)}`),
      );
      cleanup.databases.delete(dbName);
    }
  }
  return result;
}

function ratio(x: number | null | undefined, y: number | null | undefined): number | null {
  return x && y ? x / y : null;
}

function fmt(n: number | null | undefined, digits = 0): string {
  return n === null || n === undefined ? '-' : n.toFixed(digits);
}

function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

function evaluateTargets(main: ContenderResult[], one: ContenderResult[]): TargetResult[] {
  const by = (rows: ContenderResult[], id: string) => rows.find((r) => r.id === id);
  const speed = (rows: ContenderResult[], id: string) => by(rows, id)?.messagesPerSec;
  const targets: TargetResult[] = [];
  const judge = (
    name: string,
    value: number | null,
    threshold: number,
    show: (v: number) => string,
    profile: TargetResult['profile'],
  ) =>
    targets.push({
      name,
      pass: value === null ? null : value >= threshold,
      measured: value === null ? 'not measured' : show(value),
      profile,
    });
  const percent = (v: number) => `${(v * 100).toFixed(1)}%`;
  const times = (v: number) => `${v.toFixed(2)}x`;
  const e = 'batch-transaction, per-record handler (e)';
  const g = 'batch handler, set-based UPDATE (g)';
  judge(`${e} >= 50% of raw kafkajs no-op (e/a)`, ratio(speed(main, 'e'), speed(main, 'a')), 0.5, percent, { id: 'e', partitions: 'all' });
  judge(`${g} >= 50% of raw kafkajs no-op (g/a)`, ratio(speed(main, 'g'), speed(main, 'a')), 0.5, percent, { id: 'g', partitions: 'all' });
  judge(`${e} >= 10x Nest Kafka transport (e/c)`, ratio(speed(main, 'e'), speed(main, 'c')), 10, times, { id: 'e', partitions: 'all' });
  judge(`${g} >= 10x Nest Kafka transport (g/c)`, ratio(speed(main, 'g'), speed(main, 'c')), 10, times, { id: 'g', partitions: 'all' });
  judge(
    'key-concurrency >= 3x sequential on one partition (f1/d1)',
    ratio(speed(one, 'f1'), speed(one, 'd1')),
    3,
    times,
    { id: 'f1', partitions: 1 },
  );
  const library = main.filter((r) => ['d', 'e', 'f', 'g'].includes(r.id) && r.peakRssDrainMb);
  const worst = library.reduce<ContenderResult | undefined>(
    (max, r) => (!max || (r.peakRssDrainMb ?? 0) > (max.peakRssDrainMb ?? 0) ? r : max),
    undefined,
  );
  targets.push({
    name: `peak RSS < 300 MB while draining (library modes d, e, f, g, backlog ${main[0]?.backlog ?? '?'})`,
    pass: worst ? (worst.peakRssDrainMb ?? 0) < 300 : null,
    measured: worst ? `${(worst.peakRssDrainMb ?? 0).toFixed(0)} MB (${worst.id})` : 'not measured',
    profile: worst ? { id: worst.id, partitions: 'all' } : null,
  });
  return targets;
}

/** Compiles the consumer child and the library with tsc, once per run. */
function buildChild(): void {
  const started = Date.now();
  fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'bench', 'tsconfig.child.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // The child imports the library by its package name, as an app does; point it at the build.
  const link = path.join(BUILD_DIR, 'node_modules', '@reliable-kafka', 'nestjs');
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.join(BUILD_DIR, 'libs', 'reliable-kafka', 'src'), link, 'dir');
  log(`consumer child compiled to ${path.relative(ROOT, BUILD_DIR)}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  buildChild();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  fs.mkdirSync(RESULTS_DIR, { recursive: true });

  let startedBroker = false;
  let brokers: string[];
  let kafkaVersion = 'unknown (KAFKA_BROKERS)';
  if (process.env.KAFKA_BROKERS) {
    brokers = process.env.KAFKA_BROKERS.split(',');
    try {
      const state = JSON.parse(
        fs.readFileSync(path.join(ROOT, '.kafka', 'state.json'), 'utf8'),
      ) as { brokers: string; version: string };
      if (state.brokers === process.env.KAFKA_BROKERS) kafkaVersion = state.version;
    } catch {
      /* not our broker */
    }
  } else {
    const broker = await startBroker();
    brokers = broker.brokers.split(',');
    startedBroker = broker.started;
    kafkaVersion = broker.version;
    log(
      `broker ${broker.brokers} (${broker.started ? 'started by the bench, stopped at the end' : 'already running, left running'})`,
    );
  }

  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void emergencyCleanup(brokers).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const cpus = os.cpus();
  const machine = {
    nproc: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kafka: kafkaVersion,
    postgres: await serverVersion(),
    kafkajs: (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/kafkajs/package.json'), 'utf8')) as {
        version: string;
      }
    ).version,
    os: `${os.type()} ${os.release()}`,
    loadAverage: { start: loadAtStart, end: [] as number[] },
  };
  log(`machine: ${JSON.stringify(machine)}`);
  log(`options: ${JSON.stringify(opts)}`);
  const want = (id: string) => !opts.only || opts.only.includes(id);
  const notes: string[] = [];

  try {
    log('database ceiling (pg directly)...');
    const dbCeiling = want('ceiling')
      ? await measureDbCeiling(
          opts.accounts,
          [
            { batch: 1, connections: 1, update: 'per-message' },
            { batch: 1, connections: 4, update: 'per-message' },
            { batch: opts.batchRecords, connections: 1, update: 'per-message' },
            { batch: opts.batchRecords, connections: 1, update: 'set-based' },
            ...(opts.batchHandlerRecords !== opts.batchRecords
              ? [{ batch: opts.batchHandlerRecords, connections: 1, update: 'set-based' as const }]
              : []),
            { batch: 1000, connections: 1, update: 'set-based' },
          ],
          opts.ceilingSeconds,
        )
      : [];
    for (const r of dbCeiling)
      log(
        `ceiling batch ${r.batch} x ${r.connections} conn (${r.update} update): ${r.transactionsPerSec.toFixed(0)} tx/s = ${r.messagesPerSec.toFixed(0)} msg/s`,
      );

    const settings = {
      batchRecords: opts.batchRecords,
      batchHandlerRecords: opts.batchHandlerRecords,
      keyConcurrency: opts.keyConcurrency,
      commit: opts.commit,
    };
    const contenders: ContenderResult[] = [];
    for (const contender of mainContenders(settings).filter((c) => want(c.id))) {
      log(`--- contender ${contender.id}: ${contender.label}`);
      contenders.push(
        await runContender(
          {
            contender,
            partitions: opts.partitions,
            messages: opts.messages,
            latency: true,
            tag: contender.id,
          },
          opts,
          brokers,
        ),
      );
    }
    const a = contenders.find((r) => r.id === 'a');
    const c = contenders.find((r) => r.id === 'c');
    for (const r of contenders) {
      r.vsA = ratio(r.messagesPerSec, a?.messagesPerSec);
      r.vsC = ratio(r.messagesPerSec, c?.messagesPerSec);
    }

    const onePartition: ContenderResult[] = [];
    for (const contender of libraryContenders(settings, '1').filter(
      (x) => (x.id === 'd1' || x.id === 'f1') && want(x.id),
    )) {
      log(`--- one-partition scenario ${contender.id}: ${contender.label}`);
      onePartition.push(
        await runContender(
          {
            contender,
            partitions: 1,
            messages: opts.onePartitionMessages,
            latency: false,
            tag: contender.id,
          },
          opts,
          brokers,
        ),
      );
    }

    const targets = evaluateTargets(contenders, onePartition);

    // Profiles of the contenders behind missed targets.
    const profiles: ContenderResult[] = [];
    if (opts.profile) {
      const profileDir = path.join(RESULTS_DIR, `profiles-${stamp}`);
      const toProfile: Array<{ contender: Contender; partitions: number }> = [];
      const all = [...mainContenders(settings), ...libraryContenders(settings, '1')];
      for (const target of targets) {
        if (target.pass !== false || !target.profile) continue;
        const { id, partitions } = target.profile;
        const contender = all.find((x) => x.id === id);
        if (contender && !toProfile.some((t) => t.contender.id === id))
          toProfile.push({ contender, partitions: partitions === 1 ? 1 : opts.partitions });
      }
      for (const { contender, partitions } of toProfile) {
        log(`--- CPU profile of ${contender.id} (target missed), ${opts.profileMessages} messages`);
        fs.mkdirSync(profileDir, { recursive: true });
        const r = await runContender(
          {
            contender,
            partitions,
            messages: Math.min(
              opts.profileMessages,
              partitions === 1 ? opts.onePartitionMessages : opts.profileMessages,
            ),
            latency: false,
            profileDir,
            tag: `${contender.id}-prof`,
          },
          opts,
          brokers,
        );
        const file = path.join(profileDir, `${contender.id}-prof.cpuprofile`);
        if (fs.existsSync(file)) {
          const summary = summariseProfile(file, r.drainWindowUs);
          r.profile = { file: path.relative(ROOT, file), ...summary };
          log(`profile ${r.profile.file}: top self-time frames:`);
          for (const f of summary.frames.slice(0, 10))
            console.log(`   ${f.selfPercent.toFixed(1).padStart(5)}%  ${f.frame}`);
        } else {
          notes.push(`profile of ${contender.id} was not written (${file})`);
        }
        profiles.push(r);
      }
    }

    machine.loadAverage.end = os.loadavg();
    const results: BenchResults = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine,
      options: opts,
      dbCeiling,
      contenders,
      onePartition,
      targets,
      profiles,
      notes,
    };
    const file = path.join(RESULTS_DIR, `${stamp}.json`);
    fs.writeFileSync(file, JSON.stringify(results, null, 2));
    fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify(results, null, 2));

    console.log(
      `\nThroughput (backlog ${opts.messages} x ${opts.messageBytes} B, ${opts.partitions} partitions), latency, memory, DB transactions`,
    );
    printTable(contenderHeaders(opts.rates), contenderTable(contenders, opts.rates));
    for (const r of contenders)
      for (const l of r.latency ?? []) if (l.note) console.log(`  * ${r.id}: ${l.note}`);
    console.log(`\nOne partition (backlog ${opts.onePartitionMessages})`);
    printTable(contenderHeaders(opts.rates), contenderTable(onePartition, opts.rates));
    console.log(
      '\nDatabase ceiling (pg directly: INSERT dedup ON CONFLICT DO NOTHING + UPDATE per message, per transaction)',
    );
    printTable(
      ['msgs/tx', 'connections', 'UPDATE', 'tx/s', 'msg/s'],
      dbCeiling.map((r) => [
        String(r.batch),
        String(r.connections),
        r.update,
        fmt(r.transactionsPerSec),
        fmt(r.messagesPerSec),
      ]),
    );
    console.log('\nChecks');
    for (const r of [...contenders, ...onePartition])
      console.log(`  ${r.id}: ${r.check.ok ? 'OK  ' : 'FAIL'} ${r.check.detail}`);
    console.log('\nTargets');
    for (const t of targets)
      console.log(
        `  ${t.pass === null ? 'N/A ' : t.pass ? 'PASS' : 'MISS'}  ${t.name}: ${t.measured}`,
      );
    if (opts.doc) {
      writePerformanceDoc(path.join(ROOT, 'docs', 'performance.md'), results);
      log('docs/performance.md updated');
    }
    log(`results: ${path.relative(ROOT, file)} and bench/results/latest.json`);
  } finally {
    await emergencyCleanup(brokers);
    if (startedBroker) {
      log('stopping the broker the bench started');
      await stopBroker();
    }
  }
}

async function emergencyCleanup(brokers: string[]): Promise<void> {
  for (const child of cleanup.children) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
  const kafka = benchKafka(brokers);
  for (const topic of cleanup.topics) await deleteTopic(kafka, topic).catch(() => undefined);
  for (const db of cleanup.databases) await dropBenchDatabase(db).catch(() => undefined);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
