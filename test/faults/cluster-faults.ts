/**
 * The faults of a replicated cluster: a partition leader, the group coordinator or the active
 * controller SIGKILLed and started again, or two of the three nodes down at once (below
 * min.insync.replicas). Each returns what it did, for the report and the timeline.
 */
import type { Kafka } from 'kafkajs';
import type { FaultEnvironment } from './fault-environment';
import { withAdmin } from './fault-kafka';
import { sleep } from './sleep';

export type ClusterFaultKind =
  | 'leader-kill' // the leader of one of the topic's partitions
  | 'coordinator-kill' // the group coordinator: the leader of __consumer_offsets partition 0
  | 'controller-kill' // the node leading the KRaft quorum
  | 'below-min-isr'; // two of three nodes down for a while, then both started again

/** One fault as it happened. */
export interface ClusterFaultEvent {
  kind: ClusterFaultKind;
  /** The nodes killed. */
  nodes: number[];
  /** Partitions of the topic the killed nodes led when they were killed. */
  ledPartitions: number[];
  killedAt: number;
  /** When the last killed node answered again. */
  restartedAt: number;
  /** When every partition of the run's topics had its three replicas in sync again. */
  inSyncAt: number;
}

interface PartitionLeaders {
  topic: string;
  leaders: Map<number, number>;
  /** Partitions whose ISR is short of their replicas. */
  underReplicated: number;
}

/** Leader and in-sync state of each partition of `topics`, from the cluster's metadata. */
export async function partitionLeaders(
  kafka: Kafka,
  topics: string[],
): Promise<PartitionLeaders[]> {
  const metadata = await withAdmin(kafka, (admin) => admin.fetchTopicMetadata({ topics }));
  return metadata.topics.map((t) => ({
    topic: t.name,
    leaders: new Map(t.partitions.map((p) => [p.partitionId, p.leader])),
    underReplicated: t.partitions.filter((p) => p.isr.length < p.replicas.length).length,
  }));
}

/** The offsets topic has one partition on the suite's cluster: its leader is every group's coordinator. */
const OFFSETS_TOPIC = '__consumer_offsets';

export interface ClusterFaultContext {
  env: FaultEnvironment;
  kafka: Kafka;
  /** The run's topic (its partitions' leaders are the ones killed), then any others kept in sync. */
  topics: string[];
  rnd: () => number;
  /** How long a killed node stays down, at random within [min, max] ms. */
  downMs: [number, number];
  /** How long two nodes stay down in a below-min-ISR fault. */
  belowMinIsrMs: number;
  log: (line: string) => void;
}

export async function injectClusterFault(
  kind: ClusterFaultKind,
  ctx: ClusterFaultContext,
): Promise<ClusterFaultEvent> {
  const [main] = await partitionLeaders(ctx.kafka, [ctx.topics[0]]);
  const pick = <T>(items: T[]): T => items[Math.floor(ctx.rnd() * items.length)];
  let nodes: number[];
  switch (kind) {
    case 'leader-kill':
      nodes = [main.leaders.get(pick([...main.leaders.keys()]))!];
      break;
    case 'coordinator-kill': {
      const [offsets] = await partitionLeaders(ctx.kafka, [OFFSETS_TOPIC]);
      nodes = [offsets.leaders.get(0)!];
      break;
    }
    case 'controller-kill': {
      const controller = await ctx.env.controller();
      if (controller === undefined) throw new Error('controller-kill: no quorum leader reported');
      nodes = [controller];
      break;
    }
    case 'below-min-isr': {
      const spared = pick(ctx.env.nodeIds);
      nodes = ctx.env.nodeIds.filter((id) => id !== spared);
      break;
    }
  }
  if (nodes.some((n) => n === undefined || n < 0))
    throw new Error(`${kind}: no live node to kill (leaders ${JSON.stringify([...main.leaders])})`);
  const ledPartitions = [...main.leaders].filter(([, l]) => nodes.includes(l)).map(([p]) => p);
  const killedAt = Date.now();
  try {
    for (const node of nodes) await ctx.env.killNode(node);
    const [min, max] = ctx.downMs;
    await sleep(kind === 'below-min-isr' ? ctx.belowMinIsrMs : min + ctx.rnd() * (max - min));
    await Promise.all(nodes.map((node) => ctx.env.startNode(node)));
  } catch (error) {
    // Whatever failed, the next test of the cluster must not find a node down.
    await Promise.allSettled(nodes.map((node) => ctx.env.startNode(node)));
    throw error;
  }
  const restartedAt = Date.now();
  const inSyncAt = await waitUntilInSync(ctx.kafka, [...ctx.topics, OFFSETS_TOPIC], 120_000);
  ctx.log(
    `[faults] ${kind} of node ${nodes.join('+')} (led partitions ${ledPartitions.join(',') || '-'}): back after ${restartedAt - killedAt} ms, in sync after ${inSyncAt - killedAt} ms`,
  );
  return { kind, nodes, ledPartitions, killedAt, restartedAt, inSyncAt };
}

/**
 * Waits until every partition of `topics` has all its replicas in sync, so that the next fault
 * starts from a whole cluster (killing a node that is still catching up would be a different
 * fault: below min ISR).
 */
async function waitUntilInSync(kafka: Kafka, topics: string[], ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const state = await partitionLeaders(kafka, topics).catch(() => undefined);
    if (state && state.every((t) => t.underReplicated === 0)) return Date.now();
    if (Date.now() > deadline)
      throw new Error(`replicas of ${topics.join(', ')} not in sync ${ms} ms after a restart`);
    await sleep(250);
  }
}
