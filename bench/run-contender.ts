/**
 * One contender's run: a fresh topic and database, the backlog, the drain (throughput), the paced
 * load (latency), the correctness check, then everything removed again.
 */
import {
  checkDatabase,
  createBenchDatabase,
  dropBenchDatabase,
  urlFor,
  xactCommit,
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
import type { BenchOptions } from './bench-options';
import type { ContenderResult, LatencyPoint } from './bench-results';
import { fmt } from './console-table';
import { Child, vmHwmMb } from './consumer-process';
import type { Contender } from './contenders';
import { cleanup, log, sleep } from './harness';

interface RunSpec {
  contender: Contender;
  partitions: number;
  messages: number;
  latency: boolean;
  profileDir?: string;
  /** Contender id suffix in topic/db names. */
  tag: string;
}

export async function runContender(
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
        client: contender.client ?? 'kafkajs',
        librdkafka: opts.librdkafka,
        maxBytesPerPartition: opts.maxBytesPerPartition,
        brokers,
        topic,
        groupId,
        dbUrl: urlFor(dbName),
        poolSize: opts.poolSize,
        processing: contender.processing,
        batchHandlerRecords: contender.batchHandlerRecords,
        commit: contender.commit,
        partitionsConsumedConcurrently:
          contender.partitionsConsumedConcurrently ?? opts.partitionsConsumedConcurrently,
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
