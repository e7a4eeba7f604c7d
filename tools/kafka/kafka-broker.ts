/**
 * A real, single-node Apache Kafka broker (KRaft, combined broker + controller) for local
 * development and tests, without Docker: the jars come from Maven Central (kafka-jars.ts) and
 * the broker runs as a plain detached `java kafka.Kafka` process (broker-process.ts). Its home,
 * state and log are in broker-home.ts, its server.properties and storage in broker-config.ts.
 *
 * This file is the public entry: start, kill, restart, stop and status of one broker home. Used
 * by tools/kafka/kafka-cli.ts (npm run kafka:start|stop|status), by Jest global setup, the fault
 * suite, the demo and the bench. With `{ home }`, the functions run a separate broker kept in
 * that folder instead (own state.json, config, log, data and ports; only the jars are shared).
 *
 * Every function is about one Kafka release: `{ kafkaVersion }`, else the KAFKA_VERSION
 * environment variable, else the default (kafka-version.ts). Each release has its own jars and
 * its own default home, so the suites can run against another release by setting KAFKA_VERSION.
 */
import * as path from 'node:path';
import {
  type BrokerHomeOptions,
  brokerLogTail,
  brokerPaths,
  type BrokerState,
  readState,
  removeState,
  writeState,
} from './broker-home';
import {
  formatStorage,
  formattedClusterId,
  freePorts,
  newClusterId,
  resetDataDir,
  writeServerProperties,
} from './broker-config';
import {
  isOurBroker,
  launch,
  READY_TIMEOUT_MS,
  signalBroker,
  STOP_GRACE_MS,
  waitUntilGone,
} from './broker-process';
import { describeClusterId, releaseLineMetadataVersion } from './broker-readiness';
import { ensureKafkaJars } from './kafka-jars';
import { kafkaVersionOption } from './kafka-version';
import { withStartLock } from './start-lock';

export { type BrokerHomeOptions, brokerLogTail, KAFKA_HOME, REPO_ROOT } from './broker-home';
export { ensureKafkaJars } from './kafka-jars';
export { releaseLineMetadataVersion } from './broker-readiness';
export { runKafkaTool } from './kafka-tool';
export {
  DEFAULT_KAFKA_VERSION,
  KAFKA_VERSION_ENV,
  KNOWN_KAFKA_VERSIONS,
  kafkaVersionSetting,
  UnsupportedKafkaVersionError,
} from './kafka-version';

export interface StartResult {
  /** Bootstrap address, e.g. "127.0.0.1:40123". */
  brokers: string;
  pid: number;
  /** false when an already running broker was reused. */
  started: boolean;
  /**
   * Kafka software version of the jars the broker was launched from (kafka_2.13-<v>.jar). The
   * Kafka protocol never tells clients a broker's software version, so this cannot come off
   * the wire; `metadataVersion` below is what the broker itself reports.
   */
  version: string;
  /**
   * Highest metadata.version the running broker supports (e.g. "4.1-IV1"), read over the wire
   * with Kafka's DescribeFeatures admin call (FeatureCommand); it names the release line and is
   * checked against `version` after a fresh start.
   */
  metadataVersion?: string;
  /** Wall time of this call. */
  elapsedMs: number;
}

export interface BrokerStatus {
  running: boolean;
  /** running and answering an admin describeCluster with the recorded cluster id. */
  responding: boolean;
  pid?: number;
  brokers?: string;
  dataDir?: string;
  version?: string;
}

/** The paths of the broker `opts` names, with the release they were resolved for. */
function brokerOf(opts: BrokerHomeOptions) {
  const version = kafkaVersionOption(opts.kafkaVersion);
  return { version, p: brokerPaths(opts.home, version) };
}

/**
 * Starts the broker, or reuses the one recorded in its home's state.json if it is alive and
 * answers (so calling it twice leaves one broker). If the recorded broker died (crash,
 * killBroker), it is started again on the SAME ports and data dir, without formatting, so
 * clients reconnect to it. A home holds one release: a broker recorded with another release is
 * an error (stop it first), never upgraded or downgraded in place.
 */
export async function startBroker(
  opts: { dataDir?: string } & BrokerHomeOptions = {},
): Promise<StartResult> {
  const began = Date.now();
  const { version, p } = brokerOf(opts);
  const { libDir } = await ensureKafkaJars(version);
  const wantedDataDir = opts.dataDir ? path.resolve(opts.dataDir) : undefined;

  return withStartLock(p.startLock, READY_TIMEOUT_MS + 60_000, async () => {
    const result = (s: BrokerState, started: boolean): StartResult => ({
      brokers: s.brokers,
      pid: s.pid,
      started,
      version: s.version,
      metadataVersion: s.metadataVersion,
      elapsedMs: Date.now() - began,
    });
    const previous = readState(p);
    const reusable =
      previous &&
      (isOurBroker(previous) || formattedClusterId(previous.dataDir) === previous.clusterId);
    if (reusable && previous.version !== version) {
      throw new Error(
        `${p.home} holds a Kafka ${previous.version} broker (${previous.brokers}), not ${version}; ` +
          `stop it first (it discards its data), or start it with Kafka ${previous.version}.`,
      );
    }

    if (previous && isOurBroker(previous)) {
      if (wantedDataDir && wantedDataDir !== previous.dataDir) {
        throw new Error(
          `A broker already runs on ${previous.brokers} with data dir ${previous.dataDir}; stop it first.`,
        );
      }
      if ((await describeClusterId(previous.brokers)) === previous.clusterId) {
        return result(previous, false);
      }
      throw new Error(
        `Broker pid ${previous.pid} is running but not answering on ${previous.brokers}. ` +
          `Check ${p.brokerLog}, or run \`npm run kafka:stop -- --kafka-version ${version}\` and start again.\n${brokerLogTail(p.brokerLog)}`,
      );
    }

    // Restart after a crash or kill: same ports and data, no format, so clients reconnect.
    if (
      previous &&
      (!wantedDataDir || wantedDataDir === previous.dataDir) &&
      formattedClusterId(previous.dataDir) === previous.clusterId
    ) {
      try {
        return result(await launch(p, previous, libDir, false), true);
      } catch (err) {
        // state.json is kept, so a later start retries on the same ports and data.
        throw new Error(
          `Restarting the broker on ${previous.brokers} (data ${previous.dataDir}) failed; ` +
            `\`npm run kafka:stop -- --kafka-version ${version}\` discards it for a fresh one.\n${(err as Error).message}`,
        );
      }
    }

    // Fresh cluster: new ports, wiped data dir, formatted storage.
    const dataDir = wantedDataDir ?? p.dataDir;
    const [port, controllerPort] = await freePorts(2);
    const clusterId = newClusterId();
    resetDataDir(dataDir, p.home);
    writeServerProperties(p.configFile, { port, controllerPort, dataDir });
    await formatStorage(version, p.configFile, clusterId, dataDir);
    const fresh: BrokerState = {
      pid: -1,
      port,
      controllerPort,
      brokers: `127.0.0.1:${port}`,
      dataDir,
      configPath: p.configFile,
      clusterId,
      version,
      startedAt: '',
    };
    let state: BrokerState;
    try {
      state = await launch(p, fresh, libDir, true);
    } catch (err) {
      removeState(p); // a failed fresh start leaves nothing worth restarting
      throw err;
    }
    // Confirm, from the broker itself, that it runs the release line of the jars we chose.
    state.metadataVersion = await releaseLineMetadataVersion(state.brokers, version);
    writeState(p, state);
    return result(state, true);
  });
}

/** Kills the recorded broker (SIGKILL by default) and keeps state.json, for fault tests. */
export async function killBroker(
  signal: NodeJS.Signals = 'SIGKILL',
  opts: BrokerHomeOptions = {},
): Promise<number | undefined> {
  const state = readState(brokerOf(opts).p);
  if (!state || !isOurBroker(state)) return undefined;
  if (!(await signalBroker(state, signal, STOP_GRACE_MS))) {
    throw new Error(
      `Broker pid ${state.pid} still alive ${STOP_GRACE_MS / 1000} s after ${signal}`,
    );
  }
  return state.pid;
}

/** Crash-and-recover in one call: kill, then start again on the same port and data dir. */
export async function restartBroker(
  signal: NodeJS.Signals = 'SIGKILL',
  opts: BrokerHomeOptions = {},
): Promise<StartResult> {
  await killBroker(signal, opts);
  return startBroker(opts);
}

/**
 * Stops the recorded broker (SIGTERM for a clean shutdown, SIGKILL after 20 s) and forgets it:
 * the next start is a fresh cluster. Only ever signals the recorded pid, and only after
 * checking it still is our kafka.Kafka with our config. Safe when nothing runs.
 */
export async function stopBroker(
  opts: BrokerHomeOptions = {},
): Promise<{ stopped: boolean; pid?: number; forced?: boolean }> {
  const { p } = brokerOf(opts);
  const state = readState(p);
  if (!state) return { stopped: false };
  if (!isOurBroker(state)) {
    removeState(p); // died on its own, or the pid now belongs to someone else: leave it alone
    return { stopped: false, pid: state.pid };
  }
  let forced = false;
  if (!(await signalBroker(state, 'SIGTERM', STOP_GRACE_MS))) {
    forced = true;
    process.kill(state.pid, 'SIGKILL');
    await waitUntilGone(state, 5_000);
  }
  removeState(p);
  return { stopped: true, pid: state.pid, forced };
}

export async function brokerStatus(opts: BrokerHomeOptions = {}): Promise<BrokerStatus> {
  const state = readState(brokerOf(opts).p);
  if (!state) return { running: false, responding: false };
  const running = isOurBroker(state);
  const responding = running && (await describeClusterId(state.brokers)) === state.clusterId;
  return {
    running,
    responding,
    pid: state.pid,
    brokers: state.brokers,
    dataDir: state.dataDir,
    version: state.version,
  };
}
