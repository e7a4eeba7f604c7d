/** What a cluster is doing: each node, the active controller, the under-replicated partitions. */
import { isOurBroker } from './broker-process';
import {
  quorumLeader,
  type UnderReplicatedPartition,
  underReplicatedPartitions,
} from './cluster-health';
import { type ClusterNode, type ClusterState, publicNode, readClusterState } from './cluster-home';
import { nodeAnswers } from './cluster-node';
import { type ClusterOptions, clusterOf } from './cluster-record';

export interface ClusterNodeStatus extends ClusterNode {
  running: boolean;
  /** running and answering describeCluster, asked of this node, with the cluster's id. */
  responding: boolean;
}

export interface ClusterStatus {
  nodes: ClusterNodeStatus[];
  /** The node leading the KRaft quorum; undefined while there is none or nobody answers. */
  controllerLeader?: number;
  underReplicated: UnderReplicatedPartition[];
}

/** Each recorded node, running and answering or not (asked of itself). */
async function nodeStatuses(state: ClusterState): Promise<ClusterNodeStatus[]> {
  return Promise.all(
    state.nodes.map(async (n) => {
      const running = isOurBroker(n);
      const responding = running && (await nodeAnswers(n, state.clusterId));
      return { ...publicNode(n), running, responding };
    }),
  );
}

const answeringBrokers = (nodes: ClusterNodeStatus[]) =>
  nodes.filter((n) => n.responding).map((n) => n.brokers);

/**
 * Each node (running, answering), the active controller and the under-replicated partitions of
 * every topic, internal ones included. No nodes when no cluster is recorded.
 */
export async function clusterStatus(opts: ClusterOptions = {}): Promise<ClusterStatus> {
  const state = readClusterState(clusterOf(opts).p);
  if (!state) return { nodes: [], underReplicated: [] };
  const nodes = await nodeStatuses(state);
  const answering = answeringBrokers(nodes);
  const [leader, underReplicated] = await Promise.all([
    quorumLeader(state.version, answering),
    underReplicatedPartitions(answering),
  ]);
  return { nodes, controllerLeader: leader, underReplicated };
}

/** The node leading the KRaft quorum now (the active controller), asked of the answering nodes. */
export async function controllerLeader(opts: ClusterOptions = {}): Promise<number | undefined> {
  const state = readClusterState(clusterOf(opts).p);
  if (!state) return undefined;
  return quorumLeader(state.version, answeringBrokers(await nodeStatuses(state)));
}
