/**
 * A node's JVM: launched detached (it must outlive the CLI), ready once a client call answers
 * with the node's cluster id (and, for a cluster node, lists the brokers it should), stopped by
 * signal. Only ever signals a recorded pid that still is our kafka.Kafka with our config.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  brokerLogTail,
  type BrokerPaths,
  type BrokerState,
  TOOLS_DIR,
  writeState,
} from './broker-home';
import { writeServerProperties } from './broker-config';
import { describeNode, type NodeAnswer } from './broker-readiness';
import { commandLine, sleep } from './os-process';

export const READY_TIMEOUT_MS = 90_000;
export const STOP_GRACE_MS = 20_000;
/** The single broker's heap: ample for the tests on 2 cores. */
const JVM_OPTS = ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC'];
const BROKER_LOG4J = path.join(TOOLS_DIR, 'log4j2.properties');

/** What identifies a launched node's JVM: its pid and the config file on its command line. */
export type NodeProcess = Pick<BrokerState, 'pid' | 'configPath'>;

/** The pid is alive AND still our broker: pids get reused, so never trust a bare pid. */
export function isOurBroker(state: NodeProcess): boolean {
  const cmd = commandLine(state.pid);
  return cmd !== undefined && cmd.includes(' kafka.Kafka ') && cmd.includes(state.configPath);
}

export async function waitUntilGone(state: NodeProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isOurBroker(state)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** The part of a node's recorded state a launch reads and fills in (pid, startedAt). */
export type LaunchedNode = Pick<BrokerState, 'pid' | 'brokers' | 'configPath' | 'startedAt'>;

/** One JVM to launch: where it runs, what it is, how it is recorded and when it counts as up. */
export interface NodeLaunch<S extends LaunchedNode> {
  /** Working directory of the JVM. */
  dir: string;
  /** Its server.properties, already written (the command line names it: isOurBroker). */
  configFile: string;
  brokerLog: string;
  /** What the caller records of the node; the launch fills in pid and startedAt. */
  node: S;
  clusterId: string;
  libDir: string;
  freshLog: boolean;
  jvmOpts: readonly string[];
  /** For messages, e.g. "Kafka broker". */
  name: string;
  /** Records the spawned node at once, so stop and kill work even while it is starting. */
  record: (running: S) => void;
  /** Beyond answering with our cluster id, what the node's answer must show (default: nothing). */
  isReady?: (answer: NodeAnswer) => boolean;
}

/** Launches the single broker's JVM and waits until a client call succeeds. */
export async function launch(
  p: BrokerPaths,
  state: BrokerState,
  libDir: string,
  freshLog: boolean,
): Promise<BrokerState> {
  writeServerProperties(p.configFile, state);
  return launchNode({
    dir: p.home,
    configFile: p.configFile,
    brokerLog: p.brokerLog,
    node: state,
    clusterId: state.clusterId,
    libDir,
    freshLog,
    jvmOpts: JVM_OPTS,
    name: 'Kafka broker',
    record: (running) => writeState(p, running),
  });
}

/** Launches a node's JVM detached (it must outlive the CLI) and waits until it is ready. */
export async function launchNode<S extends LaunchedNode>(spec: NodeLaunch<S>): Promise<S> {
  const { configFile, brokerLog, name } = spec;
  if (spec.freshLog) fs.writeFileSync(brokerLog, '');
  fs.appendFileSync(
    brokerLog,
    `==== ${new Date().toISOString()} starting broker on ${spec.node.brokers}\n`,
  );
  const logFd = fs.openSync(brokerLog, 'a');
  const child = spawn(
    'java',
    [
      ...spec.jvmOpts,
      `-Dlog4j2.configurationFile=${BROKER_LOG4J}`,
      '-cp',
      `${spec.libDir}/*`, // expanded by java itself, no shell involved
      'kafka.Kafka',
      configFile,
    ],
    { cwd: spec.dir, detached: true, stdio: ['ignore', logFd, logFd] },
  );
  fs.closeSync(logFd);
  let exited: string | undefined;
  child.once(
    'exit',
    (code, signal) => (exited = signal ? `signal ${signal}` : `exit code ${code}`),
  );
  child.unref(); // do not keep the CLI (or Jest) alive for the broker's sake

  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? -1));
    child.once('error', (err) => reject(new Error(`Could not run java: ${err.message}`)));
  });
  const running: S = { ...spec.node, pid, startedAt: new Date().toISOString() };
  spec.record(running);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const answer = await describeNode(running.brokers);
    if (answer !== undefined && answer.clusterId !== spec.clusterId) {
      throw new Error(
        `${running.brokers} answered with cluster ${answer.clusterId}, not ours (${spec.clusterId})`,
      );
    }
    if (answer !== undefined && (spec.isReady?.(answer) ?? true)) return running;
    if (exited !== undefined) {
      throw new Error(`${name} exited during start-up (${exited}).\n${brokerLogTail(brokerLog)}`);
    }
    if (Date.now() > deadline) {
      if (isOurBroker(running)) process.kill(running.pid, 'SIGKILL'); // ours and useless
      throw new Error(
        `${name} not ready after ${READY_TIMEOUT_MS / 1000} s (killed it).\n${brokerLogTail(brokerLog)}`,
      );
    }
    await sleep(250);
  }
}

/** Sends `signal` to our broker and waits up to `graceMs` for it to be gone. */
export async function signalBroker(
  state: NodeProcess,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<boolean> {
  process.kill(state.pid, signal);
  return waitUntilGone(state, graceMs);
}
