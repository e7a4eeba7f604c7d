/**
 * A send that failed at the client although the leader had appended it (a ghost), then the next
 * send to the same partition. The fault: both followers frozen (SIGSTOP), so the leader appends a
 * batch and waits for them until the request times out, and the producer reports the send failed;
 * once they thaw, they replicate the batch after all. The next batch of as many records must be
 * written as itself. A producer that reuses the failed batch's sequence numbers (kafkajs takes
 * them back on a failure) has it taken for a duplicate of the ghost, and is told "written" at the
 * ghost's offsets: acknowledged and missing.
 */
import { AckedProducer } from './acked-producer';
import type { FaultEnvironment } from './fault-environment';
import { readTopic } from './fault-kafka';
import { checkProducer, type ProducerCheck } from './producer-check';
import {
  createReplicatedTopics,
  leaderAndFollowers,
  waitUntilReplicated,
} from './replicated-topic';
import { sleep } from './sleep';

export interface GhostBatchRun {
  /** The batch after the ghost was reported written. */
  nextAcknowledged: boolean;
  /** The failed batch was on the topic in the end: the fault made a ghost. */
  ghostWritten: boolean;
  check: ProducerCheck;
}

const DELIVERY_TIMEOUT_MS = 2_000;

export async function sendAfterGhostBatch(
  env: FaultEnvironment,
  dbUrl: string,
): Promise<GhostBatchRun> {
  const kafka = env.kafka();
  const topic = `faults-ghost-${Date.now().toString(36)}`;
  await createReplicatedTopics(kafka, [topic], 1);
  const producer = await AckedProducer.start({
    brokers: env.brokers,
    dbUrl,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
    requestTimeoutMs: DELIVERY_TIMEOUT_MS,
  });
  const batch = (name: string) =>
    [0, 1].map((i) => ({ id: `${topic}-${name}-${i}`, message: { key: 'k', value: i } }));
  try {
    const { followers } = await leaderAndFollowers(kafka, topic, env.nodeIds);
    if (!(await producer.sendTogether(topic, batch('warm'))))
      throw new Error(`${topic}: the warm-up batch failed`);
    await waitUntilReplicated(kafka, topic);

    for (const f of followers) await env.pauseNode(f);
    try {
      // The followers' fetches waiting at the leader expire first (replica.fetch.wait.max.ms).
      await sleep(1_500);
      if (await producer.sendTogether(topic, batch('ghost')))
        throw new Error(`${topic}: the ghost batch was acknowledged with both followers frozen`);
      // Long enough for the client to give up its own retries too (each waits out the request).
      await sleep(6 * DELIVERY_TIMEOUT_MS);
    } finally {
      for (const f of followers) await env.resumeNode(f);
    }
    await waitUntilReplicated(kafka, topic);

    // As many records as the ghost, in one batch: the count a duplicate is recognised by.
    const nextAcknowledged = await producer.sendTogether(topic, batch('next'));
    const source = await readTopic(kafka, topic);
    const ghostIds = new Set(batch('ghost').map((e) => e.id));
    return {
      nextAcknowledged,
      ghostWritten: source.some((r) => ghostIds.has(r.headers['idempotency-key'])),
      check: checkProducer(producer.acked, producer.failed, source, {
        deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
      }),
    };
  } finally {
    await producer.stop();
  }
}
