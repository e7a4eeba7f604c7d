/**
 * The checker of a fault scenario: counts every message from the database, the topic, the
 * dead-letter topic and the workers' output, and builds the report.
 */
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { DeadLetterHeaders } from '@reliable-kafka/nestjs';
import type { FaultEnvironment } from './fault-environment';
import { brokerGroupLag, readTopic, type TopicRecord } from './fault-kafka';
import { emptyKeyDiff, type FaultReport, type KeyDiff } from './fault-report';
import type { ScenarioOptions } from './fault-suite';
import { failsTransiently, type FaultMessage } from './fault-worker';
import type { WorkerPool } from './worker-pool';

export async function check(args: {
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
  /** The source topic, when the caller has read it back already. */
  source?: TopicRecord[];
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
  const source = args.source ?? (await readTopic(kafka, args.topic));
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
    report.finalLag === 0 &&
    // A worker that died on its own (not a kill the suite injected) broke invariant 9, even when
    // its restart then made up for it.
    pool.unexpectedExits === 0;
  return report;
}
