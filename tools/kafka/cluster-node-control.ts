/**
 * One node of a running cluster, for fault tests: killed, started again on its ports and data,
 * paused and resumed. Only ever signals a recorded pid that still is our kafka.Kafka.
 */
import { formattedClusterId } from './broker-config';
import { isOurBroker, READY_TIMEOUT_MS, signalBroker, STOP_GRACE_MS } from './broker-process';
import { describeNode } from './broker-readiness';
import { type ClusterNodeState, type ClusterState, recordedNode } from './cluster-home';
import { launchClusterNode, listsItself, nodeAnswers, signalIfAlive } from './cluster-node';
import { type ClusterOptions, clusterOf, LOCK_TIMEOUT_MS, recordedCluster } from './cluster-record';
import { ensureKafkaJars } from './kafka-jars';
import { sleep } from './os-process';
import { withStartLock } from './start-lock';

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
