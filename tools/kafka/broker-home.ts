/**
 * Where a broker lives on disk and what it records there. Everything is under `<repo>/.kafka/`
 * (git-ignored):
 *   jars/<version>/     the classpath of one Kafka release, filled once by Maven (kafka-jars.ts)
 *   broker-<version>/   the default broker of that release: server.properties, broker.log,
 *                       state.json (pid, ports, data dir, cluster id, version) and data/ (log.dirs)
 *   cluster-<version>/  the default replicated cluster of that release (cluster-home.ts)
 *
 * One home per release, so brokers of two releases can run at once, each on its own ports.
 * `{ home }` names a separate broker kept in that folder instead (own state.json, config, log,
 * data and ports; only the jars are shared), e.g. the fault suite's (test/faults).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readStateFile, removeStateFile, writeStateFile } from './state-file';

/** The one place that knows where the repository is; every other path derives from it. */
export const REPO_ROOT = path.resolve(__dirname, '../..');
export const TOOLS_DIR = path.join(REPO_ROOT, 'tools', 'kafka');

export const KAFKA_HOME = path.join(REPO_ROOT, '.kafka');

/** Where one broker keeps its state. */
export interface BrokerPaths {
  home: string;
  stateFile: string;
  startLock: string;
  configFile: string;
  brokerLog: string;
  dataDir: string;
}

/**
 * Options naming which broker: without `home`, the default one of the release; without
 * `kafkaVersion`, the release of the KAFKA_VERSION setting (kafka-version.ts).
 */
export interface BrokerHomeOptions {
  home?: string;
  kafkaVersion?: string;
}

/** The broker home `home`, or else the default home of Kafka `version`. */
export function brokerPaths(home: string | undefined, version: string): BrokerPaths {
  const dir = home ? path.resolve(home) : path.join(KAFKA_HOME, `broker-${version}`);
  return {
    home: dir,
    stateFile: path.join(dir, 'state.json'),
    startLock: path.join(dir, 'start.lock'),
    configFile: path.join(dir, 'server.properties'),
    brokerLog: path.join(dir, 'broker.log'),
    dataDir: path.join(dir, 'data'),
  };
}

/** What state.json records: enough to find, verify, stop or restart (same ports, same data). */
export interface BrokerState {
  pid: number;
  port: number;
  controllerPort: number;
  brokers: string;
  dataDir: string;
  configPath: string;
  clusterId: string;
  version: string;
  metadataVersion?: string;
  startedAt: string;
}

export function readState(p: BrokerPaths): BrokerState | undefined {
  return readStateFile<BrokerState>(p.stateFile);
}

export function writeState(p: BrokerPaths, state: BrokerState): void {
  writeStateFile(p.stateFile, state);
}

export function removeState(p: BrokerPaths): void {
  removeStateFile(p.stateFile);
}

/** Tail of the broker log (reads at most its last 256 KiB). */
function readLogTail(brokerLog: string): string {
  try {
    const fd = fs.openSync(brokerLog, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, 256 * 1024);
      const buf = Buffer.alloc(length);
      fs.readSync(fd, buf, 0, length, size - length);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/**
 * For error messages: the ERROR and "Caused by" lines of the latest launch (the root cause is
 * usually far above the end, before pages of stack traces and shutdown noise), then the last
 * lines of the log.
 */
export function brokerLogTail(brokerLog: string, lines = 30): string {
  const text = readLogTail(brokerLog);
  if (!text) return `(nothing in ${brokerLog})`;
  const lastRun = text.slice(Math.max(0, text.lastIndexOf('\n==== ')));
  const errors = [
    ...new Set(lastRun.split('\n').filter((l) => /\] (ERROR|FATAL) |^Caused by: /.test(l))),
  ].slice(0, 10);
  const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
  return (
    (errors.length ? `Errors:\n${errors.join('\n')}\n` : '') +
    `Last ${lines} lines of ${brokerLog}:\n${tail}`
  );
}
