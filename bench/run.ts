/**
 * The consumer benchmarks: `npm run bench [-- --messages N ...]`.
 *
 * For each contender, one after the other (never in parallel): a fresh topic and a fresh
 * PostgreSQL database, a pre-loaded backlog of 1 KB credit messages, then the contender as a
 * child process that drains the backlog (throughput), then a paced load (latency), then a
 * correctness check. The same broker and PostgreSQL server serve every contender. Results go to
 * bench/results/<timestamp>.json, bench/results/latest.json and docs/performance.md.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startBroker, stopBroker } from '../tools/kafka/kafka-broker';
import { dropBenchDatabase, measureDbCeiling, serverVersion } from './bench-db';
import { benchKafka, deleteTopic } from './bench-kafka';
import { parseArgs } from './bench-options';
import type { BenchResults, ContenderResult } from './bench-results';
import { fmt, printTable } from './console-table';
import {
  concurrentPartitionContenders,
  libraryContenders,
  mainContenders,
  type Contender,
} from './contenders';
import { summariseProfile } from './cpu-profile';
import { BUILD_DIR, cleanup, log, RESULTS_DIR, ROOT } from './harness';
import { contenderHeaders, contenderTable, writePerformanceDoc } from './report';
import { runContender } from './run-contender';
import { evaluateTargets, ratio } from './targets';

/** Compiles the consumer child and the library with tsc, once per run. */
function buildChild(): void {
  const started = Date.now();
  fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'bench', 'tsconfig.child.json')],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  // The child imports the library by its package name, as an app does; point it at the build.
  const link = path.join(BUILD_DIR, 'node_modules', '@reliable-kafka', 'nestjs');
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.join(BUILD_DIR, 'libs', 'reliable-kafka', 'src'), link, 'dir');
  log(
    `consumer child compiled to ${path.relative(ROOT, BUILD_DIR)}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

/** Confluent's client and its librdkafka, or why it is not there (an optional dependency). */
function confluentVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { librdkafkaVersion } = require('@confluentinc/kafka-javascript') as {
      librdkafkaVersion: string;
    };
    const pkg = path.join(ROOT, 'node_modules/@confluentinc/kafka-javascript/package.json');
    const { version } = JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string };
    return `${version} (librdkafka ${librdkafkaVersion})`;
  } catch {
    return 'not installed';
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const settings = {
    batchRecords: opts.batchRecords,
    batchHandlerRecords: opts.batchHandlerRecords,
    keyConcurrency: opts.keyConcurrency,
    commit: opts.commit,
  };
  const onOnePartition = new Set(libraryContenders(settings, '1').map((x) => x.id));
  const every = [
    ...mainContenders(settings),
    ...libraryContenders(settings, '1'),
    ...concurrentPartitionContenders(settings, opts.concurrentPcc),
  ];
  for (const id of opts.profileIds)
    if (!every.some((x) => x.id === id))
      throw new Error(
        `--profile: there is no contender ${id} (ids: ${every.map((x) => x.id).join(', ')})`,
      );

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
    confluent: confluentVersion(),
    os: `${os.type()} ${os.release()}`,
    loadAverage: { start: loadAtStart, end: [] as number[] },
  };
  log(`machine: ${JSON.stringify(machine)}`);
  log(`options: ${JSON.stringify(opts)}`);
  const confluentMissing = machine.confluent === 'not installed';
  if (confluentMissing)
    log('@confluentinc/kafka-javascript is not installed: the -ck contenders are left out');
  const want = (id: string) =>
    (!opts.only || opts.only.includes(id)) && !(confluentMissing && id.includes('-ck'));
  const notes: string[] = [];

  try {
    log('database ceiling (pg directly)...');
    const dbCeiling = want('ceiling')
      ? await measureDbCeiling(
          opts.accounts,
          [
            { batch: 1, connections: 1, update: 'per-message' },
            { batch: 1, connections: 4, update: 'per-message' },
            // What key concurrency could gain over one transaction at a time, without Kafka.
            ...(![1, 4].includes(opts.keyConcurrency)
              ? [{ batch: 1, connections: opts.keyConcurrency, update: 'per-message' as const }]
              : []),
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

    /** Runs these contenders one after another; speeds relative to the set's own (a) and (c). */
    const runAll = async (
      list: Contender[],
      scenario: string,
      spec: { partitions: number; messages: number; latency: boolean },
    ): Promise<ContenderResult[]> => {
      const results: ContenderResult[] = [];
      for (const contender of list.filter((x) => want(x.id))) {
        log(`--- ${scenario} ${contender.id}: ${contender.label}`);
        results.push(await runContender({ contender, ...spec, tag: contender.id }, opts, brokers));
      }
      const a = results.find((r) => r.id.startsWith('a'));
      const c = results.find((r) => r.id.startsWith('c'));
      for (const r of results) {
        r.vsA = ratio(r.messagesPerSec, a?.messagesPerSec);
        r.vsC = ratio(r.messagesPerSec, c?.messagesPerSec);
      }
      return results;
    };
    const contenders = await runAll(mainContenders(settings), 'contender', {
      partitions: opts.partitions,
      messages: opts.messages,
      latency: true,
    });
    // Throughput only: the paced loads would not tell more than in the first scenario. Skipped
    // when it would repeat the first one.
    const concurrent = await runAll(
      opts.concurrentPcc === opts.partitionsConsumedConcurrently
        ? []
        : concurrentPartitionContenders(settings, opts.concurrentPcc),
      `${opts.concurrentPcc} partitions at once:`,
      { partitions: opts.partitions, messages: opts.messages, latency: false },
    );

    const onePartition = await runAll(
      libraryContenders(settings, '1').filter((x) => x.id === 'd1' || x.id === 'f1'),
      'one-partition scenario',
      { partitions: 1, messages: opts.onePartitionMessages, latency: false },
    );

    const targets = evaluateTargets(contenders, onePartition, concurrent, dbCeiling, opts);

    // Profiles of the contenders behind missed targets.
    const profiles: ContenderResult[] = [];
    if (opts.profile) {
      const profileDir = path.join(RESULTS_DIR, `profiles-${stamp}`);
      const toProfile: Array<{ contender: Contender; partitions: number }> = [];
      // The contenders behind missed targets, then those named by --profile.
      const wanted = [
        ...targets.flatMap((t) => (t.pass === false && t.profile ? [t.profile.id] : [])),
        ...opts.profileIds,
      ];
      for (const id of wanted) {
        const contender = every.find((x) => x.id === id);
        if (contender && !toProfile.some((t) => t.contender.id === id))
          toProfile.push({ contender, partitions: onOnePartition.has(id) ? 1 : opts.partitions });
      }
      for (const { contender, partitions } of toProfile) {
        log(`--- CPU profile of ${contender.id}, ${opts.profileMessages} messages`);
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
      concurrent,
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
    if (concurrent.length) {
      console.log(`\n${opts.concurrentPcc} partitions at once (every contender), throughput only`);
      printTable(contenderHeaders(opts.rates), contenderTable(concurrent, opts.rates));
    }
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
    for (const r of [...contenders, ...concurrent, ...onePartition])
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
