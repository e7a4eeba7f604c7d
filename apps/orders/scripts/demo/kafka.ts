import { type Admin, Kafka, logLevel, type Message } from 'kafkajs';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

/** What the demo asks the broker directly: records per topic, a group's lag; and raw produce. */
export class DemoKafka {
  private readonly kafka: Kafka;

  constructor(brokers: string[]) {
    this.kafka = new Kafka({ clientId: 'orders-demo', brokers, logLevel: logLevel.NOTHING });
  }

  /** Writes records as they are, bypassing the app (a producer that never heard of its API). */
  async produce(topic: string, messages: Message[]): Promise<void> {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }

  /** Records ever written to a topic (high minus low watermark, summed over its partitions). */
  recordCount(topic: string): Promise<number> {
    return this.withAdmin(async (admin) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    });
  }

  /**
   * Records of `topics` the group has not committed yet, as the broker sees it (not what the app
   * says): 0 means every record was processed or dead-lettered, and committed.
   */
  lag(groupId: string, topics: string[]): Promise<number> {
    return this.withAdmin(async (admin) => {
      let lag = 0;
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const done = new Map(
          (committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
        );
        for (const end of ends) {
          const at = done.get(end.partition) ?? -1; // -1: nothing committed yet
          lag += Number(end.high) - (at < 0 ? Number(end.low) : at);
        }
      }
      return lag;
    });
  }

  /** Removes what one run created on the broker: its topics and its consumer groups. */
  cleanUp(topics: string[], groupIds: string[]): Promise<void> {
    return this.withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const ours = topics.filter((t) => existing.has(t));
      if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 10_000 });
      await admin.deleteGroups(groupIds).catch(() => undefined); // may already be gone
    });
  }

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }
}
