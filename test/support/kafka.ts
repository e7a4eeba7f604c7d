import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type IHeaders, type Message } from 'kafkajs';
import { KafkajsAdminClient } from '../../libs/reliable-kafka/src/kafka/kafkajs/kafkajs-admin-client';
import { waitForLeaders } from '../../libs/reliable-kafka/src/kafka/wait-for-leaders';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

/** The broker of this test run (set by the global setup). */
export function brokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value)
    throw new Error(
      'KAFKA_BROKERS is not set: run the tests through jest (global setup starts the broker)',
    );
  return value.split(',');
}

export function testKafka(clientId = 'rk-test'): Kafka {
  return new Kafka({ clientId, brokers: brokers(), logLevel: logLevel.NOTHING });
}

/** A name no other test or run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

export async function createTopic(topic: string, numPartitions = 1): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }] });
    await waitForLeaders(new KafkajsAdminClient(admin), [topic]);
  } finally {
    await admin.disconnect();
  }
}

/** Whether the run's broker has the topic (asked without creating it). */
export async function topicExists(topic: string): Promise<boolean> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

export async function produce(topic: string, messages: Message[]): Promise<void> {
  const producer = testKafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 500) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface ReadRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string | null>;
  /** The header bytes as they were on the wire (the last value of a repeated name). */
  rawHeaders: Record<string, Buffer | null>;
}

/**
 * Reads every record of a topic from the beginning, as an independent consumer would; from the
 * run's broker, or from `kafka` (a test's own broker).
 */
export async function readAll(
  topic: string,
  expected: number,
  timeoutMs = 30_000,
  kafka = testKafka(),
): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.push({
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: decodeHeaders(message.headers),
          rawHeaders: headerBytes(message.headers),
        });
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (records.length < expected && Date.now() < deadline) await sleep(100);
    // A little longer, so that records beyond the expected count would be seen too.
    await sleep(500);
    return records;
  } finally {
    await consumer.disconnect();
  }
}

/** The group's committed offsets as the broker has them (not the library's own view). */
export async function committedOffsets(
  groupId: string,
  topic: string,
): Promise<Record<number, string>> {
  const admin = new KafkajsAdminClient(testKafka().admin());
  await admin.connect();
  try {
    return await admin.committedOffsets(groupId, topic);
  } finally {
    await admin.disconnect();
  }
}

/** Records committed by the group over all partitions (a partition with no commit, -1, counts 0). */
export async function committedCount(groupId: string, topic: string): Promise<number> {
  const offsets = Object.values(await committedOffsets(groupId, topic));
  return offsets.reduce((sum, offset) => sum + Math.max(0, Number(offset)), 0);
}

/** Records not yet committed by the group, over all partitions: 0 means fully consumed. */
export async function groupLag(groupId: string, topic: string): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    return await lagOf(admin, groupId, topic);
  } finally {
    await admin.disconnect();
  }
}

/** The group's lag from the broker's committed offsets (a partition with none counts from its start). */
export async function lagOf(admin: Admin, groupId: string, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const byPartition = new Map(
    (committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]),
  );
  let lag = 0n;
  for (const end of ends) {
    const done = byPartition.get(end.partition) ?? -1n;
    lag += BigInt(end.high) - (done < 0n ? BigInt(end.low) : done);
  }
  return Number(lag);
}

/**
 * Header values as UTF-8, the last one when a name repeats; null for a header without a value. No
 * prototype, so that any header name (`__proto__` included) reads back as it was written.
 */
export function decodeHeaders(headers: IHeaders | undefined): Record<string, string | null> {
  const out = Object.create(null) as Record<string, string | null>;
  for (const name of Object.keys(headers ?? {})) {
    const value = headers![name];
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    out[name] = last == null ? null : last.toString();
  }
  return out;
}

/** Header values as their bytes, as decodeHeaders picks them. */
function headerBytes(headers: IHeaders | undefined): Record<string, Buffer | null> {
  const out = Object.create(null) as Record<string, Buffer | null>;
  for (const name of Object.keys(headers ?? {})) {
    const value = headers![name];
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    out[name] = last == null ? null : Buffer.isBuffer(last) ? last : Buffer.from(last);
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `condition` holds; fails with `what` after the timeout. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
}
