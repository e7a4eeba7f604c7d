/**
 * One node's configuration: its ports, its server.properties, its cluster id and formatted data
 * dir. Nothing here starts a process (broker-process.ts does).
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { runKafkaTool } from './kafka-tool';

/** One voter of the static KRaft controller quorum: its node id and controller port on 127.0.0.1. */
export interface QuorumVoter {
  nodeId: number;
  controllerPort: number;
}

/** What a node's server.properties is made of. */
export interface NodeConfig {
  /** Client listener. */
  port: number;
  /** KRaft controller listener. */
  controllerPort: number;
  /** log.dirs: topic data and the KRaft metadata log. */
  dataDir: string;
  /** node.id; the single broker is node 1. */
  nodeId?: number;
  /**
   * controller.quorum.voters, this node among them; without it the node votes alone (the single
   * broker). With more voters the node is one of a replicated cluster.
   */
  voters?: readonly QuorumVoter[];
}

/** `count` distinct free ports: bind all on 127.0.0.1:0 at once, note them, release them. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** The one node's internal topics: replication factor 1, or they are never created. */
const SINGLE_NODE_REPLICATION = `# One broker: every internal topic must have replication factor 1 or it is never created.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
`;

/** A replicated cluster's topics, internal ones included: every record on `replicas` nodes. */
function clusterReplication(replicas: number): string {
  // One node may be down (killed, paused, restarting) and writes with acks=all still succeed.
  const minIsr = replicas - 1;
  return `# Every record on ${replicas} nodes; acks=all needs ${minIsr} in sync, so one node may be down.
default.replication.factor=${replicas}
min.insync.replicas=${minIsr}
# An out-of-sync replica never becomes leader: that would drop acknowledged records.
unclean.leader.election.enable=false
# One __consumer_offsets partition: every group's coordinator is the leader of partition 0, so a
# fault test knows which node to kill to move a group's coordinator.
offsets.topic.replication.factor=${replicas}
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=${replicas}
transaction.state.log.min.isr=${minIsr}
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=${replicas}
share.coordinator.state.topic.min.isr=${minIsr}
`;
}

export function serverProperties({
  port,
  controllerPort,
  dataDir,
  nodeId = 1,
  voters = [{ nodeId, controllerPort }],
}: NodeConfig): string {
  const single = voters.length === 1;
  const quorum = voters.map((v) => `${v.nodeId}@127.0.0.1:${v.controllerPort}`).join(',');
  return `# Written by tools/kafka/broker-config.ts on every start; edits here are overwritten.
${
  single
    ? '# Single node, KRaft, broker and controller in one process, tuned for tests.'
    : `# Node ${nodeId} of a ${voters.length}-node cluster, KRaft, broker and controller in each process, tuned for tests.`
}
process.roles=broker,controller
node.id=${nodeId}
controller.quorum.voters=${quorum}
# 127.0.0.1, not localhost: Node may resolve localhost to ::1 where nothing listens.
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${dataDir}
num.partitions=1
auto.create.topics.enable=true
${single ? SINGLE_NODE_REPLICATION : clusterReplication(voters.length)}# Tests should not wait 3 s for the first consumer group rebalance.
group.initial.rebalance.delay.ms=0
# The consumer group protocol (KIP-848) takes a member's session timeout and heartbeat interval
# from the broker (45 s and 5 s by default); the tests kill members and wait for their session
# to expire, as with the classic protocol's 6-10 s the tests set per member.
group.consumer.session.timeout.ms=10000
group.consumer.min.session.timeout.ms=6000
group.consumer.heartbeat.interval.ms=1000
group.consumer.min.heartbeat.interval.ms=500
${
  single
    ? `# After a kill -9 the controller keeps the dead incarnation registered until its session
# expires (default 9 s) and the restarted broker cannot register before then. Controller and
# broker share this one process, so short heartbeats cost nothing and make restarts ~6 s faster.`
    : `# A killed or paused node is fenced within 3 s (default 9 s): its partitions get new leaders and
# shrink their ISR that much sooner, and a restarted node can register again sooner.`
}
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
`;
}

/** Writes the node's server.properties (on every start, so the file always matches the state). */
export function writeServerProperties(configFile: string, node: NodeConfig): void {
  fs.writeFileSync(configFile, serverProperties(node));
}

/** A Kafka cluster id is a base64url UUID; Kafka avoids a leading '-' so CLIs can parse it. */
export function newClusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The cluster id a formatted data dir belongs to, if it is one. */
export function formattedClusterId(dataDir: string): string | undefined {
  try {
    const meta = fs.readFileSync(path.join(dataDir, 'meta.properties'), 'utf8');
    return /^cluster\.id=(.+)$/m.exec(meta)?.[1].trim();
  } catch {
    return undefined;
  }
}

/** Wipes a data dir for a fresh cluster, refusing to delete anything that is not ours. */
export function resetDataDir(dataDir: string, home: string): void {
  const ours = dataDir.startsWith(home + path.sep) || formattedClusterId(dataDir) !== undefined;
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0 && !ours) {
    throw new Error(`Refusing to wipe ${dataDir}: not empty and not a Kafka data dir`);
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
}

/**
 * Formats the node's (wiped) data dir for the cluster, from its written server.properties, with
 * the StorageTool of the release that will run it (it writes that release's metadata.version).
 */
export async function formatStorage(
  version: string,
  configFile: string,
  clusterId: string,
  dataDir: string,
): Promise<void> {
  try {
    // controller.quorum.voters is set, so no --standalone (that is for dynamic quorums).
    await runKafkaTool(version, 'kafka.tools.StorageTool', [
      'format',
      '-t',
      clusterId,
      '-c',
      configFile,
    ]);
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(
      `Formatting ${dataDir} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
  }
}
