/**
 * Broker access of the fault suite: an admin client per call, the group lag from the committed
 * offsets, a whole topic read back, and a send that retries while the broker is down.
 */
import type { Kafka, Message, Producer } from 'kafkajs';
import { lagOf } from '../support/kafka';
import { sleep } from './sleep';

export async function withAdmin<T>(
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
export function brokerGroupLag(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  return withAdmin(kafka, (admin) => lagOf(admin, groupId, topic));
}

/** A record read back: where it is and its headers (as text). */
export interface TopicRecord {
  partition: number;
  offset: string;
  headers: Record<string, string>;
}

/** Every record of a topic, read up to its high watermarks by a throwaway consumer group. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  timeoutMs = 120_000,
): Promise<TopicRecord[]> {
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

export async function sendWithRetry(
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
