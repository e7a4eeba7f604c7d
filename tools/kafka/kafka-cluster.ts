/**
 * A real, replicated Apache Kafka cluster of three KRaft nodes on 127.0.0.1, without Docker, for
 * fault tests that need more than one broker: a partition leader, a group coordinator or the
 * active controller killed while the others carry on. Beside the single broker
 * (kafka-broker.ts), which is unchanged; same jars, own home (cluster-home.ts).
 *
 * Each node is a broker AND a controller (process.roles=broker,controller): three JVMs instead
 * of six on a 2-core machine, and a quorum of three controllers still survives one killed node,
 * so killing the active controller is a real failover (the other two elect a new leader). The
 * quorum is static (controller.quorum.voters names all three) and every node's storage is
 * formatted with the same cluster id. Topics are replicated three times with
 * min.insync.replicas=2 (broker-config.ts), so acks=all writes survive one node down.
 *
 * This file is the public entry: start and stop of one cluster home (`{ home }`, else
 * `.kafka/cluster-<version>/`), with kill, restart, pause and resume of a node
 * (cluster-node-control.ts) and status (cluster-status.ts). Used by the CLI (npm run kafka:start --
 * --brokers 3) and the fault suite. Only ever signals recorded pids that still are our
 * kafka.Kafka with the node's config (isOurBroker).
 */
import * as fs from 'node:fs';
import {
  formatStorage,
  formattedClusterId,
  freePorts,
  newClusterId,
  resetDataDir,
} from './broker-config';
import { isOurBroker, STOP_GRACE_MS, waitUntilGone } from './broker-process';
import {
  CLUSTER_NODE_IDS,
  type ClusterNode,
  type ClusterNodeState,
  type ClusterPaths,
  type ClusterState,
  nodePaths,
  publicNode,
  readClusterState,
  removeClusterState,
  writeClusterState,
} from './cluster-home';
import {
  awaitWholeCluster,
  launchClusterNode,
  listsEveryNode,
  nodeAnswers,
  signalIfAlive,
  writeNodeConfig,
} from './cluster-node';
import { type ClusterOptions, clusterOf, LOCK_TIMEOUT_MS } from './cluster-record';
import { ensureKafkaJars } from './kafka-jars';
import { withStartLock } from './start-lock';

export type { ClusterNode } from './cluster-home';
export type { UnderReplicatedPartition } from './cluster-health';
export type { ClusterOptions } from './cluster-record';
export {
  killClusterNode,
  pauseClusterNode,
  resumeClusterNode,
  startClusterNode,
} from './cluster-node-control';
export {
  clusterStatus,
  type ClusterNodeStatus,
  type ClusterStatus,
  controllerLeader,
} from './cluster-status';

export interface ClusterStartResult {
  /** Each node's bootstrap address, "127.0.0.1:<port>", in node id order. */
  brokers: string[];
  nodes: ClusterNode[];
  /** false when a running, whole cluster was reused. */
  started: boolean;
  version: string;
  /** Wall time of this call. */
  elapsedMs: number;
}

/**
 * Starts the cluster, or reuses the one recorded in its home if every node is alive and answers
 * (so calling it twice leaves one cluster). Nodes that died (killClusterNode, a crash) are started
 * again on their ports and data, without formatting. Otherwise a fresh cluster: six new ports,
 * wiped data dirs, one new cluster id formatted into each node. The nodes are launched in
 * parallel: none is ready before a quorum of controllers is up. Resolves once every node answers
 * and lists all three brokers.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<ClusterStartResult> {
  const began = Date.now();
  const { version, p } = clusterOf(opts);
  const { libDir } = await ensureKafkaJars(version);

  return withStartLock(p.startLock, LOCK_TIMEOUT_MS, async () => {
    const result = (s: ClusterState, started: boolean): ClusterStartResult => ({
      brokers: s.nodes.map((n) => n.brokers),
      nodes: s.nodes.map(publicNode),
      started,
      version: s.version,
      elapsedMs: Date.now() - began,
    });

    const previous = readClusterState(p);
    if (previous) {
      const alive = previous.nodes.filter((n) => isOurBroker(n));
      const dead = previous.nodes.filter((n) => !isOurBroker(n));
      const restartable = dead.every((n) => formattedClusterId(n.dataDir) === previous.clusterId);
      if (alive.length > 0 || restartable) {
        if (previous.version !== version) {
          throw new Error(
            `${p.home} holds a Kafka ${previous.version} cluster, not ${version}; stop it first ` +
              `(it discards its data), or start it with Kafka ${previous.version}.`,
          );
        }
        if (!restartable) {
          throw new Error(
            `Cluster in ${p.home}: node ${dead.map((n) => n.nodeId).join(', ')} is down and its ` +
              `data is gone; stop the cluster (npm run kafka:stop -- --brokers 3) and start again.`,
          );
        }
        const answering = await Promise.all(alive.map((n) => nodeAnswers(n, previous.clusterId)));
        const silent = alive.filter((_, i) => !answering[i]);
        if (silent.length > 0) {
          throw new Error(
            `Cluster in ${p.home}: node ${silent.map((n) => `${n.nodeId} (pid ${n.pid})`).join(', ')} ` +
              `is running but not answering (paused?); resume it, or stop the cluster.`,
          );
        }
        // Restart after a crash or kill: same ports and data, no format, so clients reconnect.
        await Promise.all(
          dead.map((n) =>
            launchClusterNode(p, previous, n, libDir, {
              freshLog: false,
              isReady: listsEveryNode(previous),
            }),
          ),
        );
        await awaitWholeCluster(previous);
        return result(previous, dead.length > 0);
      }
    }
    return result(await startFreshCluster(p, version, libDir), true);
  });
}

/** A new cluster: new ports, wiped and formatted data dirs; nothing is left if it fails. */
async function startFreshCluster(
  p: ClusterPaths,
  version: string,
  libDir: string,
): Promise<ClusterState> {
  const ports = await freePorts(CLUSTER_NODE_IDS.length * 2);
  const state: ClusterState = {
    clusterId: newClusterId(),
    version,
    nodes: CLUSTER_NODE_IDS.map((nodeId, i) => {
      const np = nodePaths(p, nodeId);
      const port = ports[2 * i];
      return {
        nodeId,
        pid: -1,
        port,
        controllerPort: ports[2 * i + 1],
        brokers: `127.0.0.1:${port}`,
        dataDir: np.dataDir,
        configPath: np.configFile,
        startedAt: '',
      };
    }),
  };
  for (const node of state.nodes) {
    fs.mkdirSync(nodePaths(p, node.nodeId).dir, { recursive: true });
    resetDataDir(node.dataDir, p.home);
    writeNodeConfig(state, node);
  }
  await Promise.all(
    state.nodes.map((n) => formatStorage(version, n.configPath, state.clusterId, n.dataDir)),
  );
  writeClusterState(p, state);
  const launched = await Promise.allSettled(
    state.nodes.map((n) =>
      launchClusterNode(p, state, n, libDir, { freshLog: true, isReady: listsEveryNode(state) }),
    ),
  );
  const failed = launched.find((r) => r.status === 'rejected');
  if (failed) {
    await stopNodes(state.nodes); // a failed fresh start leaves nothing worth restarting
    removeClusterState(p);
    throw failed.reason;
  }
  return state;
}

/** SIGTERM each running node (SIGCONT first, should it be paused), SIGKILL after the grace. */
async function stopNodes(nodes: ClusterNodeState[]): Promise<number> {
  const stopped = await Promise.all(
    nodes.map(async (n) => {
      if (!isOurBroker(n)) return false;
      signalIfAlive(n.pid, 'SIGCONT'); // a stopped process cannot act on SIGTERM
      signalIfAlive(n.pid, 'SIGTERM');
      if (!(await waitUntilGone(n, STOP_GRACE_MS))) {
        signalIfAlive(n.pid, 'SIGKILL');
        await waitUntilGone(n, 5_000);
      }
      return true;
    }),
  );
  return stopped.filter(Boolean).length;
}

/**
 * Stops every running node (a clean shutdown, SIGKILL after 20 s) and forgets the cluster: the
 * next start is a fresh one. Removes nothing else (the data dirs are wiped by that next start).
 * Safe when nothing runs.
 */
export async function stopCluster(opts: ClusterOptions = {}): Promise<{ stopped: number }> {
  const { p } = clusterOf(opts);
  const state = readClusterState(p);
  if (!state) return { stopped: 0 };
  const stopped = await stopNodes(state.nodes);
  removeClusterState(p);
  return { stopped };
}
