/**
 * Where a replicated cluster lives on disk and what it records there. The default cluster of a
 * release is `<repo>/.kafka/cluster-<version>/` (git-ignored), beside the single broker's home:
 *   cluster-state.json   the cluster id, the release and each node's pid, ports, data dir, config
 *   start.lock           serialises starts across processes (start-lock.ts)
 *   node-<id>/           one node: server.properties, broker.log and data/ (log.dirs)
 *
 * `{ home }` names a separate cluster kept in that folder instead (e.g. the fault suite's); only
 * the jars are shared.
 */
import * as path from 'node:path';
import { readStateFile, removeStateFile, writeStateFile } from './state-file';
import { KAFKA_HOME } from './broker-home';

/** The node ids of a cluster: a quorum of three controllers survives one node down. */
export const CLUSTER_NODE_IDS: readonly number[] = [1, 2, 3];

/** One node of the cluster, as the public API shows it. */
export interface ClusterNode {
  nodeId: number;
  pid: number;
  /** Client listener. */
  port: number;
  /** KRaft controller listener. */
  controllerPort: number;
  /** Bootstrap address, "127.0.0.1:<port>". */
  brokers: string;
  dataDir: string;
  configPath: string;
}

/** What cluster-state.json records of a node: enough to find, verify, stop or restart it. */
export interface ClusterNodeState extends ClusterNode {
  startedAt: string;
}

export interface ClusterState {
  clusterId: string;
  version: string;
  nodes: ClusterNodeState[];
}

export interface ClusterPaths {
  home: string;
  stateFile: string;
  startLock: string;
}

/** Where one node keeps its config, log and data. */
export interface ClusterNodePaths {
  dir: string;
  configFile: string;
  brokerLog: string;
  dataDir: string;
}

/** The cluster home `home`, or else the default cluster of Kafka `version`. */
export function clusterPaths(home: string | undefined, version: string): ClusterPaths {
  const dir = home ? path.resolve(home) : path.join(KAFKA_HOME, `cluster-${version}`);
  return {
    home: dir,
    stateFile: path.join(dir, 'cluster-state.json'),
    startLock: path.join(dir, 'start.lock'),
  };
}

export function nodePaths(p: ClusterPaths, nodeId: number): ClusterNodePaths {
  const dir = path.join(p.home, `node-${nodeId}`);
  return {
    dir,
    configFile: path.join(dir, 'server.properties'),
    brokerLog: path.join(dir, 'broker.log'),
    dataDir: path.join(dir, 'data'),
  };
}

export function readClusterState(p: ClusterPaths): ClusterState | undefined {
  return readStateFile<ClusterState>(p.stateFile);
}

export function writeClusterState(p: ClusterPaths, state: ClusterState): void {
  writeStateFile(p.stateFile, state);
}

export function removeClusterState(p: ClusterPaths): void {
  removeStateFile(p.stateFile);
}

/** The recorded node `nodeId`; an error names the ids there are. */
export function recordedNode(state: ClusterState, nodeId: number): ClusterNodeState {
  const node = state.nodes.find((n) => n.nodeId === nodeId);
  if (!node) {
    throw new Error(
      `No node ${nodeId} in the cluster (nodes ${state.nodes.map((n) => n.nodeId).join(', ')})`,
    );
  }
  return node;
}

/** A node as the public API shows it (without what only the state file needs). */
export function publicNode({ startedAt: _startedAt, ...node }: ClusterNodeState): ClusterNode {
  return node;
}
