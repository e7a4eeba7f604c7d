import { serverProperties } from './broker-config';

/** key=value lines of a server.properties, comments dropped. */
function parse(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const eq = l.indexOf('=');
      return [l.slice(0, eq), l.slice(eq + 1)] as const;
    });
  expect(new Set(entries.map(([k]) => k)).size).toBe(entries.length); // no key twice
  return Object.fromEntries(entries);
}

const voters = [
  { nodeId: 1, controllerPort: 9101 },
  { nodeId: 2, controllerPort: 9102 },
  { nodeId: 3, controllerPort: 9103 },
];
const clusterNode = (nodeId: number) =>
  parse(
    serverProperties({
      nodeId,
      port: 9000 + nodeId,
      controllerPort: 9100 + nodeId,
      dataDir: `/kafka/node-${nodeId}/data`,
      voters,
    }),
  );

describe('serverProperties', () => {
  it('is the single broker of old without voters: node 1 voting alone, replication factor 1', () => {
    expect(parse(serverProperties({ port: 9092, controllerPort: 9093, dataDir: '/d' }))).toEqual({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:9093',
      listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:9092',
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'log.dirs': '/d',
      'num.partitions': '1',
      'auto.create.topics.enable': 'true',
      'offsets.topic.replication.factor': '1',
      'offsets.topic.num.partitions': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'transaction.state.log.num.partitions': '1',
      'share.coordinator.state.topic.replication.factor': '1',
      'share.coordinator.state.topic.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
      'group.consumer.session.timeout.ms': '10000',
      'group.consumer.min.session.timeout.ms': '6000',
      'group.consumer.heartbeat.interval.ms': '1000',
      'group.consumer.min.heartbeat.interval.ms': '500',
      'broker.heartbeat.interval.ms': '500',
      'broker.session.timeout.ms': '3000',
    });
  });

  it.each([1, 2, 3])('cluster node %d: its own id, ports and data dir, the same voters', (id) => {
    const props = clusterNode(id);
    expect(props['process.roles']).toBe('broker,controller');
    expect(props['node.id']).toBe(String(id));
    expect(props['controller.quorum.voters']).toBe(
      '1@127.0.0.1:9101,2@127.0.0.1:9102,3@127.0.0.1:9103',
    );
    expect(props.listeners).toBe(
      `PLAINTEXT://127.0.0.1:${9000 + id},CONTROLLER://127.0.0.1:${9100 + id}`,
    );
    expect(props['advertised.listeners']).toBe(`PLAINTEXT://127.0.0.1:${9000 + id}`);
    expect(props['log.dirs']).toBe(`/kafka/node-${id}/data`);
  });

  it('replicates every topic, internal ones included, three times with two in sync', () => {
    expect(clusterNode(2)).toMatchObject({
      'default.replication.factor': '3',
      'min.insync.replicas': '2',
      'unclean.leader.election.enable': 'false',
      'offsets.topic.replication.factor': '3',
      'offsets.topic.num.partitions': '1',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
      'share.coordinator.state.topic.replication.factor': '3',
      'share.coordinator.state.topic.min.isr': '2',
    });
  });

  it("keeps the single broker's group and heartbeat settings on every cluster node", () => {
    const single = parse(serverProperties({ port: 1, controllerPort: 2, dataDir: '/d' }));
    const same = Object.keys(single).filter((k) => /^(group\.|broker\.)/.test(k));
    expect(same).toContain('broker.session.timeout.ms');
    for (const id of [1, 2, 3]) {
      const props = clusterNode(id);
      for (const key of same) expect([key, props[key]]).toEqual([key, single[key]]);
    }
  });
});
