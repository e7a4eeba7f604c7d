/** The benchmark's Kafka side: topics, the 1 KB credit messages, the backlog and the paced producer. */
import { randomUUID } from 'node:crypto';
import { CompressionTypes, Kafka, logLevel, type Message, type Producer } from 'kafkajs';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

export function benchKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'rk-bench', brokers, logLevel: logLevel.ERROR });
}

export async function createTopic(
  kafka: Kafka,
  topic: string,
  numPartitions: number,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    const doomed = existing.filter((t) => t === topic || t === `${topic}.dlq`);
    if (doomed.length) await admin.deleteTopics({ topics: doomed, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteGroups(kafka: Kafka, groupIds: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups(groupIds).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** Generates the credits and remembers the expected balance of each account. */
export class CreditSource {
  readonly expected = new Map<string, number>();
  private seq = 0;
  private readonly runId = randomUUID().slice(0, 8);

  constructor(
    private readonly accounts: number,
    private readonly messageBytes: number,
  ) {}

  get count(): number {
    return this.seq;
  }

  next(phase: string, ts = Date.now()): Message {
    const n = this.seq++;
    const account = `acct-${Math.floor(Math.random() * this.accounts)}`;
    const amount = 1 + Math.floor(Math.random() * 100);
    this.expected.set(account, (this.expected.get(account) ?? 0) + amount);
    const id = `m-${this.runId}-${n}`;
    const bare = JSON.stringify({ id, account, amount, ts, phase, pad: '' });
    // Padded to exactly messageBytes bytes of JSON (everything above is ASCII).
    const value =
      bare.slice(0, -2) + 'x'.repeat(Math.max(0, this.messageBytes - bare.length)) + '"}';
    return {
      key: account,
      value,
      headers: { 'idempotency-key': id, 'bench-ts': String(ts), 'bench-phase': phase },
    };
  }
}

/** Loads `count` messages as fast as the broker takes them (acks=all, a few sends in flight). */
export async function produceBacklog(
  producer: Producer,
  topic: string,
  source: CreditSource,
  count: number,
): Promise<void> {
  // 250 x 1 KB per request: one partition's record batch stays far below the broker's 1 MB message.max.bytes.
  const chunk = 250;
  const inFlight = new Set<Promise<unknown>>();
  for (let sent = 0; sent < count; sent += chunk) {
    const messages = Array.from({ length: Math.min(chunk, count - sent) }, () => source.next('d'));
    const p = producer
      .send({ topic, acks: -1, compression: CompressionTypes.None, messages })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 8) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/**
 * Offers `rate` messages/s for `seconds` seconds, in 10 ms ticks; each message carries its send
 * time. Returns the number sent and the rate actually achieved by the producer.
 */
export async function producePaced(
  producer: Producer,
  topic: string,
  source: CreditSource,
  rate: number,
  seconds: number,
  phase: string,
): Promise<{ sent: number; achievedRate: number; endedAt: number }> {
  const total = Math.round(rate * seconds);
  const tickMs = 10;
  const started = Date.now();
  let sent = 0;
  const inFlight = new Set<Promise<unknown>>();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate));
    if (due > sent) {
      const now = Date.now();
      const messages = Array.from({ length: due - sent }, () => source.next(phase, now));
      sent = due;
      const p = producer.send({ topic, acks: 1, messages }).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
  await Promise.all(inFlight);
  return { sent, achievedRate: sent / ((Date.now() - started) / 1000), endedAt: Date.now() };
}
