/**
 * `npm run demo`: the orders app under a crash, end to end, in one command.
 *
 *  1. Kafka: KAFKA_BROKERS, else the repo's local broker (started, and stopped at the end, only
 *     if it was not already running). Database: a fresh one per run (see demo/database.ts).
 *  2. Starts the app as a child process, POSTs the orders (a quarter of them twice), and writes a
 *     poison record and an invalid order straight to the topic.
 *  3. SIGKILLs the app while it consumes, starts it again; the client re-POSTs what failed.
 *  4. Waits until the consumer group has committed every record (lag 0, read from the broker).
 *  5. Reads everything back and prints: produced, processed, duplicates skipped, dead-lettered,
 *     lost, applied twice, balances. Exit code 0 only if nothing was lost or applied twice.
 *
 * Settings: DEMO_ORDERS (default 200), DEMO_ACCOUNTS (default 8), DATABASE_URL, KAFKA_BROKERS.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startBroker, stopBroker } from '../../../tools/kafka/kafka-broker';
import { accountTotalsDeadLetterTopic, accountTotalsGroupId } from '../src/config/account-totals';
import { AppProcess } from './demo/app-process';
import { createDemoDatabase, type DemoDatabase } from './demo/database';
import { forEachConcurrently, request } from './demo/http';
import { DemoKafka } from './demo/kafka';
import { judge, observe, ORDERS_HANDLER, printReport, type StatsBody } from './demo/report';
import { buildScenario, type DemoOrder } from './demo/scenario';
import { sleep, TimeoutError, waitFor } from './demo/wait';

const ORDER_COUNT = Number(process.env.DEMO_ORDERS || 200);
const ACCOUNT_COUNT = Number(process.env.DEMO_ACCOUNTS || 8);
/** The app is killed once it has applied this share of the orders. */
const KILL_AT_SHARE = 0.3;
const APP_START_TIMEOUT_MS = 90_000;
/** How long one order may take to be accepted, retries (and the app's restart) included. */
const POST_DEADLINE_MS = 120_000;
const SETTLE_TIMEOUT_MS = 120_000;

const began = Date.now();
const log = (line: string) =>
  console.log(`[demo ${((Date.now() - began) / 1000).toFixed(1).padStart(5)}s] ${line}`);

/** Undone in reverse order at the end, on success, failure or Ctrl-C. */
const cleanups: { what: string; run: () => Promise<void> }[] = [];
let apps: AppProcess[] = [];

async function main(): Promise<boolean> {
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), `orders-demo-${runId}-`));

  // --- Kafka and the database ---------------------------------------------------------------
  let brokers = process.env.KAFKA_BROKERS;
  let brokerNote = `KAFKA_BROKERS=${brokers}`;
  if (!brokers) {
    log('no KAFKA_BROKERS: using the local broker (tools/kafka), starting it if needed');
    const broker = await startBroker();
    brokers = broker.brokers;
    brokerNote = `local Kafka ${broker.version} at ${brokers} (${broker.started ? 'started for this run' : 'already running, left running'})`;
    if (broker.started)
      cleanups.push({
        what: 'stop the Kafka broker this run started',
        run: async () => void (await stopBroker()),
      });
  }
  log(brokerNote);
  const kafka = new DemoKafka(brokers.split(','));
  const db: DemoDatabase = await createDemoDatabase(runId);
  log(`database: ${db.description}`);

  const topic = `orders-demo-${runId}`;
  const groupId = `orders-demo-${runId}`;
  // The account-totals batch handler reads the same topic in its own group.
  const totalsGroupId = accountTotalsGroupId(groupId);
  const topics = [topic, `${topic}.dlq`, `${topic}.dlq.dlq`, accountTotalsDeadLetterTopic(topic)];
  // Both app processes listen on this port, so the client's URL survives the restart.
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...db.env,
    KAFKA_BROKERS: brokers,
    ORDERS_TOPIC: topic,
    ORDERS_GROUP_ID: groupId,
    // The broker's minimum: the killed consumer's partitions are reassigned ~6 s after the kill.
    KAFKA_SESSION_TIMEOUT_MS: '6000',
  };
  const startApp = (n: number) => {
    if (cleanedUp) throw new Error('the demo is cleaning up; not starting another app');
    const app = AppProcess.start(env, port, path.join(logDir, `app-${n}.log`));
    apps.push(app);
    log(`app #${n} starting (pid ${app.pid}, ${app.baseUrl}, log ${app.logFile})`);
    return app;
  };

  // Cleaned up only after a successful run: a failed one keeps its evidence.
  let succeeded = false;
  cleanups.push({
    what: "remove this run's topics, group, database and logs",
    run: async () => {
      if (!succeeded) {
        log(
          `kept for inspection: topic ${topic}, groups ${groupId} and ${totalsGroupId}, ${db.description}, logs in ${logDir}`,
        );
        return;
      }
      await kafka.cleanUp(topics, [groupId, totalsGroupId]);
      await db.drop();
      fs.rmSync(logDir, { recursive: true, force: true });
    },
  });

  // --- app #1 -----------------------------------------------------------------------------------
  const scenario = buildScenario(runId, ORDER_COUNT, ACCOUNT_COUNT);
  const first = startApp(1);
  await first.ready(APP_START_TIMEOUT_MS);
  log(`app #1 ready; topic ${topic} (3 partitions), group ${groupId}`);

  const refused = await request('POST', `${baseUrl}/orders`, scenario.invalid);
  log(
    `POST /orders with amount -5 -> ${refused.status} (the API validates; the invalid record below bypasses it)`,
  );
  if (refused.status !== 400)
    throw new Error(`expected 400 for a negative amount, got ${refused.status}`);
  await kafka.produce(topic, [
    {
      key: scenario.poison.key,
      value: scenario.poison.value,
      headers: { 'idempotency-key': scenario.poison.idempotencyKey },
    },
    {
      key: scenario.invalid.accountId,
      value: JSON.stringify(scenario.invalid),
      headers: { 'idempotency-key': scenario.invalid.orderId },
    },
  ]);
  log('produced straight to the topic: 1 poison record (not JSON), 1 invalid order (amount -5)');

  // --- the stream, and the crash in the middle of it ------------------------------------------------
  let clientRetries = 0;
  const postOrder = async (order: DemoOrder) => {
    const deadline = Date.now() + POST_DEADLINE_MS;
    for (let attempt = 1; ; attempt++) {
      // 0: no answer at all (the app is down or restarting).
      const status = await request('POST', `${baseUrl}/orders`, order).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 202) return;
      if (status >= 400 && status < 500)
        throw new Error(`POST /orders ${order.orderId}: ${status}`);
      // Retry with the same orderId. If the lost request had reached the topic, this writes a
      // duplicate record, which the consumer's dedup record skips.
      if (attempt === 1) clientRetries++;
      if (Date.now() > deadline) {
        throw new TimeoutError(
          `order ${order.orderId} not accepted within ${POST_DEADLINE_MS / 1000} s`,
        );
      }
      await sleep(200);
    }
  };

  const killAt = Math.ceil(ORDER_COUNT * KILL_AT_SHARE);
  let appliedBeforeKill = 0;
  const crash = (async () => {
    await waitFor(
      `app #1 to apply ${killAt} orders`,
      async () => {
        const stats = await request<StatsBody>('GET', `${baseUrl}/stats`);
        appliedBeforeKill = stats.body.handlers[ORDERS_HANDLER]?.processed ?? 0;
        return appliedBeforeKill >= killAt;
      },
      60_000,
      20,
    );
    await first.kill();
    log(
      `app #1 SIGKILLed after it reported ${appliedBeforeKill} orders applied (no drain, no offset commit)`,
    );
    const second = startApp(2);
    await second.ready(APP_START_TIMEOUT_MS);
    log('app #2 ready');
    return second;
  })();

  log(
    `POSTing ${scenario.orders.length} orders over ${ACCOUNT_COUNT} accounts, ${scenario.resends} of them twice (8 at a time)`,
  );
  const [, second] = await Promise.all([forEachConcurrently(scenario.sends, 8, postOrder), crash]);
  log(
    `all ${scenario.sends.length} POSTs accepted (${clientRetries} retried because the app was down)`,
  );

  // --- wait until everything is consumed ------------------------------------------------------------
  let settled = true;
  try {
    await waitFor(
      'lag 0 of both consumer groups: orders + dead-letter handlers, account totals',
      async () =>
        (await kafka.lag(groupId, topics.slice(0, 2))) === 0 &&
        (await kafka.lag(totalsGroupId, [topic])) === 0,
      SETTLE_TIMEOUT_MS,
      500,
    );
    log('consumer group lag is 0 in both groups: every record committed');
  } catch (error) {
    settled = false;
    log(`${(error as Error).message}; reporting what is there`);
  }

  // --- read back, judge, report --------------------------------------------------------------------
  const [recordsOnTopic, recordsOnDlq, dlqDlq, recordsOnTotalsDlq] = await Promise.all(
    topics.map((t) => kafka.recordCount(t)),
  );
  const logFiles = apps.map((a) => a.logFile);
  const observed = await observe(
    baseUrl,
    scenario,
    { recordsOnTopic, recordsOnDlq, recordsOnTotalsDlq },
    logFiles,
  );
  await second.stop();
  log(`app #2 stopped with SIGTERM (${second.running ? 'did not exit' : 'drained and exited'})`);

  const verdict = judge(scenario, observed);
  const ok = verdict.ok && settled && dlqDlq === 0;
  const stats = observed.lastStats.handlers[ORDERS_HANDLER];
  printReport(
    [
      '',
      `ReliableKafka orders demo (${db.description}; ${brokerNote})`,
      `app #1 was SIGKILLed after applying ${appliedBeforeKill}+ orders; app #2 finished the stream`,
    ],
    scenario,
    observed,
    verdict,
    [
      `  app #2 DeliveryStats (orders handler): processed ${stats?.processed}, duplicates ${stats?.duplicates}, retries ${stats?.retries}, dead-lettered ${stats?.deadLettered}`,
      ...(settled ? [] : ['  NOT SETTLED: the consumer group still had uncommitted records']),
      ...(dlqDlq === 0
        ? []
        : [`  ${dlqDlq} record(s) on ${topics[2]}: the dead-letter consumer itself failed`]),
      `  RESULT: ${ok ? 'OK, every order applied exactly once' : 'FAILED'}   wall time ${((Date.now() - began) / 1000).toFixed(1)} s`,
      '',
    ],
  );
  succeeded = ok;
  return ok;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let cleanedUp = false;
async function cleanUp(): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const app of apps) await app.kill().catch(() => undefined);
  apps = [];
  for (const { what, run } of cleanups.reverse()) {
    await run().catch((error) => log(`could not ${what}: ${(error as Error).message}`));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main()
  .catch((error) => {
    log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    for (const app of apps) log(`last lines of ${app.logFile}:\n${app.tail(15)}`);
    return false;
  })
  .then(async (ok) => {
    await cleanUp();
    process.exit(ok ? 0 : 1);
  });
