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
import type { Message, Producer } from 'kafkajs';
import { AccountHold } from '../support/ledger/account-hold';
import { check } from './fault-check';
import type { FaultEnvironment } from './fault-environment';
import { brokerGroupLag, sendWithRetry, withAdmin } from './fault-kafka';
import { noFaultsYet, REPORT_FILE, type FaultReport } from './fault-report';
import type { FaultMessage, FaultWorkerConfig } from './fault-worker';
import { random } from './seeded-random';
import { sleep } from './sleep';
import { waitUntil } from './wait-until';
import { livePools, WorkerPool } from './worker-pool';
import { KafkajsAdminClient } from '../../libs/reliable-kafka/src/kafka/kafkajs/kafkajs-admin-client';
import { waitForLeaders } from '../../libs/reliable-kafka/src/kafka/wait-for-leaders';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

// ------------------------------------------------------------------------------------ options

export type FaultKind =
  | 'sigkill' // SIGKILL from outside at a random moment, then restart
  | 'hook-kill' // restart armed with the hook point: SIGKILL after a commit, before the offset commit
  | 'in-handler-kill' // restart armed to SIGKILL inside a handler, before its transaction commits
  | 'sigterm' // graceful stop mid-stream, then restart
  | 'rebalance' // an extra instance joins, works a while, leaves
  | 'broker-restart' // the broker process killed -9 and restarted (same ports and data)
  | 'db-outage' // PostgreSQL stopped for dbOutageMs while messages keep arriving
  | 'db-restart'; // PostgreSQL restarted at once (every connection gets 57P01) with records in flight

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
  /** The handler's processing mode (default sequential: one record, one transaction). */
  processing?: FaultWorkerConfig['processing'];
  /** Or a batch handler with this maxRecords. */
  batchHandlerRecords?: number;
  /** The deliberately broken library: offsets committed before processing. */
  unsafeCommitBeforeProcess?: boolean;
  /** The deliberately broken worker: effects written outside the dedup transaction. */
  unsafeBypassDedup?: boolean;
  /** Arm the first worker with the in-handler kill at this message (deterministic loss demo). */
  initialInHandlerKillAt?: number;
  /**
   * PostgreSQL restarts while the workers are idle (ready, nothing to consume yet), before the
   * first record is sent: their pooled connections are the ones the server terminates.
   */
  idleDbRestarts?: number;
  /** Arm the second worker with the hook-point kill and the third with the in-handler kill at start. */
  armAtStart?: boolean;
  /** Where the JSON report goes (default test/faults/report.json); null: nowhere. */
  reportFile?: string | null;
  log?: (line: string) => void;
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
    await waitForLeaders(new KafkajsAdminClient(admin), [topic, dlqTopic]);
  });

  const workerConfig: FaultWorkerConfig = {
    brokers: env.brokers,
    topic,
    groupId,
    dbUrl,
    transientFailurePercent: options.transientFailurePercent,
    processing: options.processing,
    batchHandlerRecords: options.batchHandlerRecords,
    unsafeBypassDedup: options.unsafeBypassDedup,
    unsafeCommitBeforeProcess: options.unsafeCommitBeforeProcess,
    // With the broken library, commit only at batch ends: a periodic commit in mid-batch would move
    // the committed offset back to the processed position before the kill and hide the loss by chance.
    commit: options.unsafeCommitBeforeProcess ? { strategy: 'batch' } : undefined,
  };
  const workerEnv: Record<string, string> = {};
  const pool = new WorkerPool(workerConfig, workerEnv, deadline, log);
  livePools.add(pool);
  const injected = noFaultsYet(messages.filter((m) => m.poison).length);

  let producer: Producer | undefined;
  try {
    await Promise.all(
      Array.from({ length: options.workers }, (_, i) => {
        if (i === 0 && options.initialInHandlerKillAt !== undefined)
          return pool.add(false, { killInHandlerAt: options.initialInHandlerKillAt });
        // Early in the run (the 20th-119th message of the worker), so that each kind is met even
        // when a fast machine drains the scenario quickly.
        if (i === 1 && options.armAtStart)
          return pool.add(false, { killAfterCommitAt: 20 + Math.floor(rnd() * 100) });
        if (i === 2 && options.armAtStart)
          return pool.add(false, { killInHandlerAt: 20 + Math.floor(rnd() * 100) });
        return pool.add(false);
      }),
    );
    pool.startSupervising();
    log(
      `[faults] ${options.name}: ${options.workers} workers ready in ${Date.now() - began} ms; topic ${topic} (${options.partitions} partitions)`,
    );

    for (let i = 0; i < (options.idleDbRestarts ?? 0); i++) {
      await restartDatabase();
      injected['db-restart-idle'] = (injected['db-restart-idle'] ?? 0) + 1;
      // Long enough for every worker to fetch (and find nothing) over the new server.
      await sleep(2_000);
    }

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

    /** A fast restart: the server ends every session with 57P01 (administrator command). */
    async function restartDatabase(): Promise<void> {
      await env.stopDatabase();
      await env.startDatabase();
    }

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
        case 'db-restart': {
          // Under a busy consumer, checked: the credits of one account wait in their transactions on
          // a row lock the suite holds, so records are in flight until the restart ends them. A
          // restart that would find none fails the scenario: it would test the idle case only.
          const account = `acct-${Math.floor(rnd() * accounts)}`;
          const hold = await AccountHold.take(dbUrl, account);
          try {
            const busy = await waitUntil(async () => (await hold.waiting()) > 0, 30_000);
            if (!busy) {
              throw new Error(
                `scenario ${options.name}: db-restart found no record in flight (no credit of ${account} waited within 30 s)`,
              );
            }
            const inFlight = await hold.waiting();
            await restartDatabase();
            injected['db-restart-records-in-flight'] =
              (injected['db-restart-records-in-flight'] ?? 0) + inFlight;
          } finally {
            await hold.release();
          }
          injected['db-restart']++;
          return;
        }
        case 'db-outage': {
          const before = sent;
          // An outage nobody runs into tests nothing: after a broker restart the workers may still
          // be rejoining the group. So the database goes down once a worker makes progress, and
          // stays down until a worker has noticed (bounded; the check counts what happened).
          const beforeWait = pool.outputMark();
          await waitUntil(() => pool.printedSince(beforeWait, (l) => l.startsWith('P ')), 30_000);
          const beforeOutage = pool.outputMark();
          await env.stopDatabase();
          await sleep(options.dbOutageMs);
          await waitUntil(
            () =>
              pool.printedSince(
                beforeOutage,
                (l) => l.startsWith('R ') && l.endsWith(' database-unavailable'),
              ),
            30_000,
          );
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
