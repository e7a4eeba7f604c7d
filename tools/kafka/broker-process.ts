/**
 * The broker's JVM: launched detached (it must outlive the CLI), ready once a client call
 * answers with the node's cluster id, stopped by signal. Only ever signals a recorded pid that
 * still is our kafka.Kafka with our config.
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
import { describeClusterId } from './broker-readiness';
import { commandLine, sleep } from './os-process';

export const READY_TIMEOUT_MS = 90_000;
export const STOP_GRACE_MS = 20_000;
const JVM_OPTS = ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC'];
const BROKER_LOG4J = path.join(TOOLS_DIR, 'log4j2.properties');

/** The pid is alive AND still our broker: pids get reused, so never trust a bare pid. */
export function isOurBroker(state: BrokerState): boolean {
  const cmd = commandLine(state.pid);
  return cmd !== undefined && cmd.includes(' kafka.Kafka ') && cmd.includes(state.configPath);
}

export async function waitUntilGone(state: BrokerState, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isOurBroker(state)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** Launches the JVM detached (it must outlive the CLI) and waits until a client call succeeds. */
export async function launch(
  p: BrokerPaths,
  state: BrokerState,
  libDir: string,
  freshLog: boolean,
): Promise<BrokerState> {
  const { configFile, brokerLog } = p;
  writeServerProperties(configFile, state);
  if (freshLog) fs.writeFileSync(brokerLog, '');
  fs.appendFileSync(
    brokerLog,
    `==== ${new Date().toISOString()} starting broker on ${state.brokers}\n`,
  );
  const logFd = fs.openSync(brokerLog, 'a');
  const child = spawn(
    'java',
    [
      ...JVM_OPTS,
      `-Dlog4j2.configurationFile=${BROKER_LOG4J}`,
      '-cp',
      `${libDir}/*`, // expanded by java itself, no shell involved
      'kafka.Kafka',
      configFile,
    ],
    { cwd: p.home, detached: true, stdio: ['ignore', logFd, logFd] },
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
  const running: BrokerState = { ...state, pid, startedAt: new Date().toISOString() };
  writeState(p, running); // recorded at once, so stop/kill work even while it is starting

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const clusterId = await describeClusterId(running.brokers);
    if (clusterId === running.clusterId) return running;
    if (clusterId !== undefined) {
      throw new Error(
        `${running.brokers} answered with cluster ${clusterId}, not ours (${running.clusterId})`,
      );
    }
    if (exited !== undefined) {
      throw new Error(
        `Kafka broker exited during start-up (${exited}).\n${brokerLogTail(brokerLog)}`,
      );
    }
    if (Date.now() > deadline) {
      if (isOurBroker(running)) process.kill(running.pid, 'SIGKILL'); // ours and useless
      throw new Error(
        `Kafka broker not ready after ${READY_TIMEOUT_MS / 1000} s (killed it).\n${brokerLogTail(brokerLog)}`,
      );
    }
    await sleep(250);
  }
}

/** Sends `signal` to our broker and waits up to `graceMs` for it to be gone. */
export async function signalBroker(
  state: BrokerState,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<boolean> {
  process.kill(state.pid, signal);
  return waitUntilGone(state, graceMs);
}
