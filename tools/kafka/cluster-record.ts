/**
 * Which cluster a call is about and what its home records: the options every function of
 * kafka-cluster.ts takes, and the lock bound of the calls that start nodes.
 */
import { READY_TIMEOUT_MS } from './broker-process';
import { clusterPaths, readClusterState } from './cluster-home';
import { kafkaVersionOption } from './kafka-version';

/** Which cluster: without `home`, the default one of the release; see kafka-broker.ts. */
export interface ClusterOptions {
  home?: string;
  kafkaVersion?: string;
}

/** How long a start waits for another start of the same home. */
export const LOCK_TIMEOUT_MS = READY_TIMEOUT_MS + 60_000;

export function clusterOf(opts: ClusterOptions) {
  const version = kafkaVersionOption(opts.kafkaVersion);
  return { version, p: clusterPaths(opts.home, version) };
}

/** The recorded cluster, or an error saying there is none. */
export function recordedCluster(opts: ClusterOptions) {
  const { version, p } = clusterOf(opts);
  const state = readClusterState(p);
  if (!state) throw new Error(`No cluster recorded in ${p.home}; start it first (startCluster)`);
  return { version, p, state };
}
