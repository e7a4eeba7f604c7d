import { createTopic, readAll, produce, testKafka, uniqueName } from '../support/kafka';

describe('smoke: the real broker', () => {
  it('describes its cluster over the admin API', async () => {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      console.log(
        `[smoke] cluster ${cluster.clusterId}: broker(s) ${cluster.brokers.map((b) => `${b.host}:${b.port}`).join(', ')}, controller ${cluster.controller}`,
      );
      expect(cluster.brokers).toHaveLength(1);
      expect(cluster.brokers[0].host).toBe('127.0.0.1');
    } finally {
      await admin.disconnect();
    }
  });

  it('round-trips records with keys and headers through kafkajs', async () => {
    const topic = uniqueName('smoke');
    await createTopic(topic, 3);
    const sent = Array.from({ length: 30 }, (_, i) => ({
      key: `key-${i % 5}`,
      value: JSON.stringify({ i }),
      headers: { 'idempotency-key': `id-${i}` },
    }));
    await produce(topic, sent);
    const received = await readAll(topic, sent.length);
    expect(received).toHaveLength(sent.length);

    const byId = new Map(received.map((r) => [r.headers['idempotency-key'], r]));
    const partitionOfKey = new Map<string, number>();
    for (const message of sent) {
      const got = byId.get(message.headers['idempotency-key']);
      expect(got?.key?.toString()).toBe(message.key);
      expect(got?.value?.toString()).toBe(message.value);
      // One key, one partition: the basis of per-key ordering.
      const partition = partitionOfKey.get(message.key) ?? got!.partition;
      expect(got!.partition).toBe(partition);
      partitionOfKey.set(message.key, partition);
    }
  });
});
