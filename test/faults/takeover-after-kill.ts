/**
 * Time from a SIGKILL of a consumer process to its partitions being processed again, by the
 * surviving member and the restarted process: `npx ts-node test/faults/takeover-after-kill.ts
 * [--runs 3] [--session-timeout 30000] [--heartbeat 3000]`. On the fault suite's own broker and
 * PostgreSQL cluster. kafkajs has no static membership, so the group waits for the broker to expire
 * the dead member's session before it hands its partitions out: the session timeout is the bound.
 * Prints one line per run and the median and maximum. See docs/faults.md.
 */
import type { Producer } from 'kafkajs';
import { WorkerProcess } from '../support/worker-process';
import { KafkajsAdminClient } from '../../libs/reliable-kafka/src/kafka/kafkajs/kafkajs-admin-client';
import { waitForLeaders } from '../../libs/reliable-kafka/src/kafka/wait-for-leaders';
import { FaultEnvironment } from './fault-environment';
import type { FaultWorkerConfig } from './fault-worker';
import { sleep } from './sleep';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const WORKER = 'test/faults/fault-worker.ts';
const PARTITIONS = 4;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const runs = arg('--runs', 3);
  const sessionTimeout = arg('--session-timeout', 30_000);
  const heartbeatInterval = arg('--heartbeat', 3_000);
  const env = await FaultEnvironment.start((l) => console.log(l));
  const results: number[] = [];
  try {
    const topic = `takeover-${Date.now().toString(36)}`;
    const admin = env.kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic, numPartitions: PARTITIONS },
        { topic: `${topic}.dlq`, numPartitions: PARTITIONS },
      ],
    });
    await waitForLeaders(new KafkajsAdminClient(admin), [topic, `${topic}.dlq`]);
    await admin.disconnect();
    const dbUrl = await env.createDatabase(`takeover_${Date.now().toString(36)}`);
    const producer = env.kafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    let stopped = false;
    const producing = produceSteadily(producer, topic, () => stopped);
    try {
      for (let run = 1; run <= runs; run++) {
        const config: FaultWorkerConfig = {
          brokers: env.brokers,
          topic,
          groupId: `${topic}-group-${run}`,
          dbUrl,
          sessionTimeout,
          heartbeatInterval,
        };
        const ms = await measureOnce(config);
        results.push(ms);
        console.log(
          `run ${run}: partitions of the killed process processed again after ${(ms / 1000).toFixed(1)} s`,
        );
      }
    } finally {
      stopped = true;
      await producing;
      await producer.disconnect();
    }
  } finally {
    await env.stop();
  }
  const sorted = [...results].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(
    `sessionTimeout ${sessionTimeout} ms, heartbeatInterval ${heartbeatInterval} ms, ${runs} runs: median ${(median / 1000).toFixed(1)} s, max ${(sorted[sorted.length - 1] / 1000).toFixed(1)} s`,
  );
}

/** Two members; SIGKILL one and start it again at once; until each of its partitions moves on. */
async function measureOnce(config: FaultWorkerConfig): Promise<number> {
  const workers = await Promise.all([0, 1].map(() => WorkerProcess.start(WORKER, config, 90_000)));
  const all = [...workers];
  try {
    // Both members working: every partition has been processed lately, each by one of them.
    const owner = new Map<number, WorkerProcess>();
    const deadline = Date.now() + 60_000;
    while (owner.size < PARTITIONS || new Set(owner.values()).size < 2) {
      if (Date.now() > deadline) throw new Error('the two members never shared the partitions');
      for (const w of workers) for (const p of partitionsIn(w.lines.slice(-50))) owner.set(p, w);
      await sleep(100);
    }
    const victim = workers[0];
    const victimPartitions = [...owner].filter(([, w]) => w === victim).map(([p]) => p);
    const marks = new Map(all.map((w) => [w, w.lines.length]));
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    await victim.exit(10_000);
    // The restarted process, as a supervisor would start it.
    const restarted = WorkerProcess.start(WORKER, config, 90_000).then((w) => {
      all.push(w);
      marks.set(w, 0);
      return w;
    });
    const resumed = new Set<number>();
    while (resumed.size < victimPartitions.length) {
      if (Date.now() - killedAt > 180_000) throw new Error('partitions not resumed within 180 s');
      for (const w of all) {
        if (w === victim) continue;
        for (const p of partitionsIn(w.lines.slice(marks.get(w) ?? 0)))
          if (victimPartitions.includes(p)) resumed.add(p);
      }
      await sleep(50);
    }
    const took = Date.now() - killedAt;
    await restarted;
    return took;
  } finally {
    await Promise.all(all.map((w) => w.stop().catch(() => undefined)));
  }
}

function partitionsIn(lines: string[]): Set<number> {
  const found = new Set<number>();
  for (const line of lines) {
    const [tag, , partition] = line.split(' ');
    if (tag === 'P') found.add(Number(partition));
  }
  return found;
}

/** One record per partition every 100 ms, until told to stop. */
async function produceSteadily(producer: Producer, topic: string, stop: () => boolean) {
  for (let i = 0; !stop(); i++) {
    await producer
      .send({
        topic,
        messages: Array.from({ length: PARTITIONS }, (_, p) => {
          const id = `${topic}-${i}-${p}`;
          return {
            partition: p,
            key: `acct-${p}`,
            value: JSON.stringify({ id, account: `acct-${p}`, amount: 1 }),
            headers: { 'idempotency-key': id },
          };
        }),
      })
      .catch(() => undefined);
    await sleep(100);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
