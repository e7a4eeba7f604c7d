/**
 * The checker's own test on the cluster: a producer broken on purpose (acks=1, which the library
 * refuses with idempotence and allows only with idempotence off) loses records it was told were
 * written, and the producer check must report them; the library's producer (acks=all) under the
 * very same fault loses none.
 *
 * The fault, made reproducible: both followers of a partition are frozen (SIGSTOP: a long GC
 * pause, shorter than replica.lag.time.max.ms, so they stay in the ISR), records are sent, the
 * leader is SIGKILLed, the followers thawed. One of them is elected leader without the records;
 * the old leader, started again, truncates its log to the new leader's.
 */
import { AckedProducer } from './acked-producer';
import { partitionLeaders } from './cluster-faults';
import type { FaultEnvironment } from './fault-environment';
import { readTopic } from './fault-kafka';
import { checkProducer, type ProducerCheck } from './producer-check';
import {
  createReplicatedTopics,
  leaderAndFollowers,
  waitUntilReplicated,
} from './replicated-topic';
import { sleep } from './sleep';

export interface LeaderLossRun {
  acks: 'all' | 1;
  leader: number;
  newLeader: number;
  /** Records sent while the followers were frozen. */
  sentWhileFrozen: number;
  check: ProducerCheck;
}

export async function leaderLossWithFrozenFollowers(
  env: FaultEnvironment,
  dbUrl: string,
  acks: 'all' | 1,
  records = 20,
): Promise<LeaderLossRun> {
  const kafka = env.kafka();
  const topic = `faults-acks-${acks}-${Date.now().toString(36)}`;
  await createReplicatedTopics(kafka, [topic], 1);
  const producer = await AckedProducer.start({
    brokers: env.brokers,
    dbUrl,
    deliveryTimeoutMs: 30_000,
    acks,
  });
  const { leader, followers } = await leaderAndFollowers(kafka, topic, env.nodeIds);
  const deadline = Date.now() + 120_000;
  try {
    // Written and replicated before the fault: these must survive in both runs.
    for (let i = 0; i < 5; i++)
      await producer.sendUntilAcked(topic, `${topic}-warm-${i}`, { key: 'k', value: i }, deadline);
    await waitUntilReplicated(kafka, topic);
    // The followers fetch every 500 ms at most: by now they hold the warm-up records.
    await sleep(2_000);

    for (const f of followers) await env.pauseNode(f);
    let frozen = true;
    try {
      // A follower's fetch waits at the leader up to replica.fetch.wait.max.ms (500 ms): the
      // answer to one still waiting would carry the records into the frozen follower's socket
      // buffer, to be read when it thaws. Once those have expired, nothing reaches it.
      await sleep(1_500);
      for (let i = 0; i < records; i++)
        producer.start(topic, `${topic}-r${i}`, { key: 'k', value: i }, deadline);
      // acks=1: the leader alone answers at once. acks=all: no answer can come while the
      // followers are frozen; the sends stay in flight across the failover.
      const until = Date.now() + 5_000;
      while (acks === 1 && producer.acked.length < 5 + records && Date.now() < until)
        await sleep(50);
      await sleep(500);
      await env.killNode(leader);
      for (const f of followers) await env.resumeNode(f);
      frozen = false;
    } finally {
      if (frozen) for (const f of followers) await env.resumeNode(f).catch(() => undefined);
    }
    const newLeader = await waitForNewLeader(kafka, topic, leader);
    await env.startNode(leader);
    await producer.drain();
    await waitUntilReplicated(kafka, topic);
    const source = await readTopic(kafka, topic);
    return {
      acks,
      leader,
      newLeader,
      sentWhileFrozen: records,
      check: checkProducer(producer.acked, producer.failed, source, { deliveryTimeoutMs: 30_000 }),
    };
  } finally {
    await producer.stop();
  }
}

async function waitForNewLeader(
  kafka: ReturnType<FaultEnvironment['kafka']>,
  topic: string,
  old: number,
): Promise<number> {
  const until = Date.now() + 60_000;
  for (;;) {
    const leader = await partitionLeaders(kafka, [topic])
      .then((t) => t[0].leaders.get(0))
      .catch(() => undefined);
    if (leader !== undefined && leader >= 0 && leader !== old) return leader;
    if (Date.now() > until) throw new Error(`${topic}: no new leader within 60 s (old ${old})`);
    await sleep(250);
  }
}
