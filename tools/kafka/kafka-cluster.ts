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
 * This file is the public entry: start, kill, restart, pause, resume, stop and status of one
 * cluster home (`{ home }`, else `.kafka/cluster-<version>/`). Used by the CLI
 * (npm run kafka:start -- --brokers 3) and the fault suite. Only ever signals recorded pids that
 * still are our kafka.Kafka with the node's config (isOurBroker).
 */
import * as fs from 'node:fs';
import {
  formatStorage,
  formattedClusterId,
  freePorts,
  newClusterId,
  resetDataDir,
} from './broker-config';
import {
  isOurBroker,
  READY_TIMEOUT_MS,
  signalBroker,
  STOP_GRACE_MS,
  waitUntilGone,
} from './broker-process';
import { describeNode } from './broker-readiness';
import {
  quorumLeader,
  type UnderReplicatedPartition,
  underReplicatedPartitions,
} from './cluster-health';
import {
  CLUSTER_NODE_IDS,
  type ClusterNode,
  type ClusterNodeState,
  clusterPaths,
  type ClusterState,
  nodePaths,
  publicNode,
  readClusterState,
  recordedNode,
  removeClusterState,
  writeClusterState,
} from './cluster-home';
import {
  awaitWholeCluster,
  launchClusterNode,
  listsEveryNode,
  listsItself,
  nodeAnswers,
  signalIfAlive,
  writeNodeConfig,
} from './cluster-node';
import { ensureKafkaJars } from './kafka-jars';
import { sleep } from './os-process';
import { kafkaVersionOption } from './kafka-version';
import { withStartLock } from './start-lock';

export type { ClusterNode } from './cluster-home';
export type { UnderReplicatedPartition } from './cluster-health';

/** Which cluster: without `home`, the default one of the release; see kafka-broker.ts. */
export interface ClusterOptions {
  home?: string;
  kafkaVersion?: string;
}

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

const LOCK_TIMEOUT_MS = READY_TIMEOUT_MS + 60_000;

function clusterOf(opts: ClusterOptions) {
  const version = kafkaVersionOption(opts.kafkaVersion);
  return { version, p: clusterPaths(opts.home, version) };
}

/** The recorded cluster, or an error saying there is none. */
function recordedCluster(opts: ClusterOptions) {
  const { version, p } = clusterOf(opts);
  const state = readClusterState(p);
  if (!state) throw new Error(`No cluster recorded in ${p.home}; start it first (startCluster)`);
  return { version, p, state };
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
  p: ReturnType<typeof clusterPaths>,
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

/**
 * Kills node `nodeId` (SIGKILL by default) and keeps the state, for fault tests; resolves once
 * the process is gone. undefined if that node was not running. A paused node is continued after
 * a catchable signal, or it could not act on it.
 */
export async function killClusterNode(
  nodeId: number,
  signal: NodeJS.Signals = 'SIGKILL',
  opts: ClusterOptions = {},
): Promise<number | undefined> {
  if (signal === 'SIGSTOP' || signal === 'SIGCONT' || signal === 'SIGTSTP') {
    throw new Error(`${signal} does not end a node; use pauseClusterNode or resumeClusterNode`);
  }
  const node = recordedNode(recordedCluster(opts).state, nodeId);
  if (!isOurBroker(node)) return undefined;
  if (signal !== 'SIGKILL') signalIfAlive(node.pid, 'SIGCONT');
  if (!(await signalBroker(node, signal, STOP_GRACE_MS))) {
    throw new Error(
      `Node ${nodeId} (pid ${node.pid}) still alive ${STOP_GRACE_MS / 1000} s after ${signal}`,
    );
  }
  return node.pid;
}

/**
 * Starts a dead node again on its ports and data (no format), so the cluster takes it back as
 * the same broker; resolves once it answers and lists itself (registered, unfenced). A running
 * node (e.g. just resumed) is only waited for, until the others list it again.
 */
export async function startClusterNode(nodeId: number, opts: ClusterOptions = {}): Promise<void> {
  const { version, p } = clusterOf(opts);
  const { libDir } = await ensureKafkaJars(version);
  await withStartLock(p.startLock, LOCK_TIMEOUT_MS, async () => {
    const { state } = recordedCluster(opts);
    const node = recordedNode(state, nodeId);
    if (state.version !== version) {
      throw new Error(`${p.home} holds a Kafka ${state.version} cluster, not ${version}`);
    }
    if (isOurBroker(node)) {
      await awaitNode(state, node);
      return;
    }
    if (formattedClusterId(node.dataDir) !== state.clusterId) {
      throw new Error(
        `Node ${nodeId}'s data dir ${node.dataDir} is not formatted for cluster ${state.clusterId}; ` +
          `stop the cluster and start a fresh one.`,
      );
    }
    await launchClusterNode(p, state, node, libDir, {
      freshLog: false,
      isReady: listsItself(nodeId),
    });
  });
}

/**
 * Waits until a running node answers, lists itself, and every other answering node lists it
 * too: a node just resumed from a pause still lists itself from its own stale metadata, before
 * the controller has unfenced it again.
 */
async function awaitNode(state: ClusterState, node: ClusterNodeState) {
  const rejoined = async () => {
    if (!(await nodeAnswers(node, state.clusterId, listsItself(node.nodeId)))) return false;
    const peers = state.nodes.filter((n) => n.nodeId !== node.nodeId);
    const answers = await Promise.all(peers.map((n) => describeNode(n.brokers)));
    return answers.every((a) => a === undefined || a.brokerIds.includes(node.nodeId));
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await rejoined())) {
    if (Date.now() > deadline) {
      throw new Error(
        `Node ${node.nodeId} (pid ${node.pid}) is running but not back in the cluster on ` +
          `${node.brokers} after ${READY_TIMEOUT_MS / 1000} s (paused? resumeClusterNode)`,
      );
    }
    await sleep(250);
  }
}

/** The running node `nodeId`, or an error: pausing or resuming nothing is a mistake worth seeing. */
function runningNode(nodeId: number, opts: ClusterOptions): ClusterNodeState {
  const node = recordedNode(recordedCluster(opts).state, nodeId);
  if (!isOurBroker(node)) throw new Error(`Node ${nodeId} (pid ${node.pid}) is not running`);
  return node;
}

/** SIGSTOP: the node keeps its sockets open but answers nothing, as a frozen machine would. */
export async function pauseClusterNode(nodeId: number, opts: ClusterOptions = {}): Promise<void> {
  process.kill(runningNode(nodeId, opts).pid, 'SIGSTOP');
}

/** SIGCONT: a paused node carries on (and is fenced and caught up by the cluster as needed). */
export async function resumeClusterNode(nodeId: number, opts: ClusterOptions = {}): Promise<void> {
  process.kill(runningNode(nodeId, opts).pid, 'SIGCONT');
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
