/**
 * One node of the replicated cluster: its server.properties (the static quorum of every node),
 * its JVM (launchNode of broker-process.ts) recorded in cluster-state.json, and the waits until
 * it, or the whole cluster, answers.
 */
import { type QuorumVoter, writeServerProperties } from './broker-config';
import { launchNode, READY_TIMEOUT_MS } from './broker-process';
import { describeNode, type NodeAnswer } from './broker-readiness';
import {
  type ClusterNodeState,
  type ClusterPaths,
  type ClusterState,
  nodePaths,
  writeClusterState,
} from './cluster-home';
import { sleep } from './os-process';

/**
 * Three JVMs share 2 cores and a few GB with the tests: a smaller heap than the single broker's
 * 1 GB, ample for test traffic, keeps the whole cluster near 2.5 GB at most.
 */
const CLUSTER_JVM_OPTS = ['-Xms128m', '-Xmx768m', '-XX:+UseG1GC'];

/** Whether a node's answer lists every node of the cluster as an alive broker. */
export const listsEveryNode =
  (state: ClusterState) =>
  (answer: NodeAnswer): boolean =>
    state.nodes.every((n) => answer.brokerIds.includes(n.nodeId));

/** Whether a node's answer lists that node itself (it registered and is unfenced). */
export const listsItself =
  (nodeId: number) =>
  (answer: NodeAnswer): boolean =>
    answer.brokerIds.includes(nodeId);

function voters(state: ClusterState): QuorumVoter[] {
  return state.nodes.map(({ nodeId, controllerPort }) => ({ nodeId, controllerPort }));
}

/** Writes the node's server.properties (on every start, so the file always matches the state). */
export function writeNodeConfig(state: ClusterState, node: ClusterNodeState): void {
  writeServerProperties(node.configPath, { ...node, voters: voters(state) });
}

/**
 * Launches `node` of `state` and resolves once it answers with the cluster id and `isReady`
 * holds. The running node replaces its entry in `state` (the caller's object, so parallel
 * launches in one process each record their own pid) and the state file is rewritten.
 */
export async function launchClusterNode(
  p: ClusterPaths,
  state: ClusterState,
  node: ClusterNodeState,
  libDir: string,
  { freshLog, isReady }: { freshLog: boolean; isReady: (answer: NodeAnswer) => boolean },
): Promise<ClusterNodeState> {
  const np = nodePaths(p, node.nodeId);
  writeNodeConfig(state, node);
  return launchNode({
    dir: np.dir,
    configFile: node.configPath,
    brokerLog: np.brokerLog,
    node,
    clusterId: state.clusterId,
    libDir,
    freshLog,
    jvmOpts: CLUSTER_JVM_OPTS,
    name: `Kafka node ${node.nodeId}`,
    record: (running) => {
      state.nodes = state.nodes.map((n) => (n.nodeId === running.nodeId ? running : n));
      writeClusterState(p, state);
    },
    isReady,
  });
}

/** Whether the node answers with the cluster's id (and `isReady` holds for its answer). */
export async function nodeAnswers(
  node: ClusterNodeState,
  clusterId: string,
  isReady: (answer: NodeAnswer) => boolean = () => true,
): Promise<boolean> {
  const answer = await describeNode(node.brokers);
  return answer !== undefined && answer.clusterId === clusterId && isReady(answer);
}

/** Polls until every node answers and lists every node; throws naming the ones that do not. */
export async function awaitWholeCluster(
  state: ClusterState,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const whole = await Promise.all(
      state.nodes.map((n) => nodeAnswers(n, state.clusterId, listsEveryNode(state))),
    );
    const missing = state.nodes.filter((_, i) => !whole[i]).map((n) => n.nodeId);
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `Cluster not whole after ${timeoutMs / 1000} s: node ${missing.join(', ')} not answering ` +
          `or not listing every node`,
      );
    }
    await sleep(250);
  }
}

/** process.kill that treats an already gone process as done (it may die between check and kill). */
export function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
