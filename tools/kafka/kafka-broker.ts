/**
 * A real, single-node Apache Kafka broker (KRaft, combined broker + controller) for local
 * development and tests, without Docker: the jars come from Maven Central (tools/kafka/pom.xml)
 * and the broker runs as a plain detached `java kafka.Kafka` process.
 *
 * Everything lives under `<repo>/.kafka/` (git-ignored):
 *   lib/            the classpath, filled once by Maven (marker: lib/.installed.json)
 *   data/           default log.dirs (topic data and the KRaft metadata log)
 *   server.properties, broker.log, state.json (pid, ports, data dir, cluster id)
 *
 * Used by tools/kafka/kafka-cli.ts (npm run kafka:start|stop|status) and by Jest global setup.
 * With `{ home }`, the functions run a separate broker kept in that folder instead (own state.json,
 * config, log, data and ports; only the jars are shared), e.g. the fault suite's (test/faults).
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

// KafkaJS 2.x warns about its partitioner change on every producer; it is noise for us.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const execFileAsync = promisify(execFile);

/** The one place that knows where the repository is; every other path derives from it. */
export const REPO_ROOT = path.resolve(__dirname, '../..');
const TOOLS_DIR = path.join(REPO_ROOT, 'tools', 'kafka');
const POM = path.join(TOOLS_DIR, 'pom.xml');
const BROKER_LOG4J = path.join(TOOLS_DIR, 'log4j2.properties');
const TOOLS_LOG4J = path.join(TOOLS_DIR, 'tools-log4j2.properties');

export const KAFKA_HOME = path.join(REPO_ROOT, '.kafka');
const LIB_DIR = path.join(KAFKA_HOME, 'lib');
const LIB_MARKER = path.join(LIB_DIR, '.installed.json');
const STATE_FILE = path.join(KAFKA_HOME, 'state.json');
const START_LOCK = path.join(KAFKA_HOME, 'start.lock');
const CONFIG_FILE = path.join(KAFKA_HOME, 'server.properties');
export const BROKER_LOG = path.join(KAFKA_HOME, 'broker.log');
export const DEFAULT_DATA_DIR = path.join(KAFKA_HOME, 'data');

/**
 * Where one broker keeps its state. The default is `.kafka/`; `{ home }` gives a separate broker
 * (own state.json, config, log, data and ports) that shares only the jars, e.g. for fault tests
 * that kill and restart a broker nobody else uses.
 */
interface BrokerPaths {
  home: string;
  stateFile: string;
  startLock: string;
  configFile: string;
  brokerLog: string;
  dataDir: string;
}

/** Options naming which broker: without `home`, the default one in `.kafka/`. */
export interface BrokerHomeOptions {
  home?: string;
}

function brokerPaths(home?: string): BrokerPaths {
  if (!home || path.resolve(home) === KAFKA_HOME) {
    return {
      home: KAFKA_HOME,
      stateFile: STATE_FILE,
      startLock: START_LOCK,
      configFile: CONFIG_FILE,
      brokerLog: BROKER_LOG,
      dataDir: DEFAULT_DATA_DIR,
    };
  }
  const dir = path.resolve(home);
  return {
    home: dir,
    stateFile: path.join(dir, 'state.json'),
    startLock: path.join(dir, 'start.lock'),
    configFile: path.join(dir, 'server.properties'),
    brokerLog: path.join(dir, 'broker.log'),
    dataDir: path.join(dir, 'data'),
  };
}

const MAVEN_TIMEOUT_MS = 10 * 60_000;
const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 20_000;
const JVM_OPTS = ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC'];

/** What state.json records: enough to find, verify, stop or restart (same ports, same data). */
interface BrokerState {
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

// ---------------------------------------------------------------------------------------------
// Jars

/** The Kafka version pinned in pom.xml: the pom is the single place to change it. */
export function pinnedKafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(fs.readFileSync(POM, 'utf8'));
  if (!match) throw new Error(`No <kafka.version> property in ${POM}`);
  return match[1].trim();
}

async function commandOutput(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  const { stdout, stderr } = await execFileAsync(cmd, args, {
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  return `${stdout}${stderr}`;
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** Kafka 4.x brokers need Java 17+. Fails with install advice rather than a cryptic spawn error. */
async function checkJava(): Promise<void> {
  let out: string;
  try {
    out = await commandOutput('java', ['-version'], 20_000); // prints on stderr
  } catch (err) {
    if (isNotFound(err)) {
      throw new Error(
        'Java not found on PATH: the local Kafka broker needs a Java 17+ runtime. ' +
          'Install one (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`, macOS: ' +
          '`brew install openjdk@17`) and make sure `java -version` works.',
      );
    }
    throw new Error(`\`java -version\` failed: ${(err as Error).message}`);
  }
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!(major >= 17)) {
    throw new Error(`Kafka 4.x needs Java 17 or newer; \`java -version\` says: ${out.trim()}`);
  }
}

async function checkMaven(): Promise<void> {
  try {
    await commandOutput('mvn', ['-v'], 30_000);
  } catch (err) {
    if (isNotFound(err)) {
      throw new Error(
        'Maven (`mvn`) not found on PATH: it is needed once, to download the Kafka jars from ' +
          'Maven Central. Install it (Debian/Ubuntu: `apt-get install maven`, macOS: ' +
          '`brew install maven`), or copy an existing .kafka/lib into this checkout.',
      );
    }
    throw new Error(`\`mvn -v\` failed: ${(err as Error).message}`);
  }
}

function pomDigest(): string {
  return createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
}

/** The version in the kafka_2.13-<v>.jar actually present in the lib dir. */
function jarVersion(libDir: string): string | undefined {
  for (const name of fs.existsSync(libDir) ? fs.readdirSync(libDir) : []) {
    const m = /^kafka_2\.13-(.+)\.jar$/.exec(name);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Makes sure java works and `.kafka/lib` holds the jars of the pinned version. Maven runs only
 * when the marker is missing or records another pom (version bump, added dependency).
 */
export async function ensureKafkaJars(): Promise<{ libDir: string; version: string }> {
  await checkJava();
  const version = pinnedKafkaVersion();
  const digest = pomDigest();
  try {
    const marker = JSON.parse(fs.readFileSync(LIB_MARKER, 'utf8')) as { pomSha256?: string };
    if (marker.pomSha256 === digest && jarVersion(LIB_DIR) === version) {
      return { libDir: LIB_DIR, version };
    }
  } catch {
    // no marker yet: download below
  }

  await checkMaven();
  // Download next to the final dir, then swap: a failed or interrupted run never leaves a
  // half-filled lib dir that a later run would mistake for a complete one.
  const tmpDir = `${LIB_DIR}.tmp-${process.pid}`;
  fs.rmSync(tmpDir, { recursive: true, force: true });
  process.stderr.write(`Downloading Kafka ${version} jars with Maven (one-time)...\n`);
  const began = Date.now();
  try {
    await execFileAsync(
      'mvn',
      ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${tmpDir}`],
      { timeout: MAVEN_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (err) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    const e = err as Error & { stdout?: string; stderr?: string; killed?: boolean };
    const why = e.killed ? `timed out after ${MAVEN_TIMEOUT_MS / 1000} s` : e.message;
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`Maven could not download the Kafka jars (${why}).\n${output}`);
  }
  const got = jarVersion(tmpDir);
  if (got !== version) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw new Error(`Maven produced kafka_2.13-${got ?? '?'}.jar, expected ${version}`);
  }
  const jars = fs.readdirSync(tmpDir).filter((f) => f.endsWith('.jar')).length;
  fs.writeFileSync(
    path.join(tmpDir, path.basename(LIB_MARKER)),
    JSON.stringify({ kafkaVersion: version, pomSha256: digest, jars }, null, 2),
  );
  fs.rmSync(LIB_DIR, { recursive: true, force: true });
  fs.renameSync(tmpDir, LIB_DIR);
  process.stderr.write(
    `Downloaded ${jars} jars in ${((Date.now() - began) / 1000).toFixed(1)} s\n`,
  );
  return { libDir: LIB_DIR, version };
}

/**
 * Runs one of Kafka's own command-line classes (e.g.
 * 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand') on the broker's classpath, with
 * its logging sent to stderr at WARN so stdout is only the command's output.
 */
export async function runKafkaTool(
  mainClass: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<string> {
  const { libDir } = await ensureKafkaJars();
  const { stdout } = await execFileAsync(
    'java',
    [`-Dlog4j2.configurationFile=${TOOLS_LOG4J}`, '-cp', `${libDir}/*`, mainClass, ...args],
    { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

// ---------------------------------------------------------------------------------------------
// Processes and state

/** Command line of a live process, or undefined (gone, or a zombie: /proc gives it no args). */
function commandLine(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (fs.existsSync('/proc/self')) {
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return args.length > 0 ? args.split('\0').join(' ') : undefined;
    } catch {
      return undefined;
    }
  }
  try {
    // No /proc (macOS): ps prints nothing and exits non-zero for an unknown pid.
    const out = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The pid is alive AND still our broker: pids get reused, so never trust a bare pid. */
function isOurBroker(state: BrokerState): boolean {
  const cmd = commandLine(state.pid);
  return cmd !== undefined && cmd.includes(' kafka.Kafka ') && cmd.includes(state.configPath);
}

function readState(p: BrokerPaths): BrokerState | undefined {
  try {
    return JSON.parse(fs.readFileSync(p.stateFile, 'utf8')) as BrokerState;
  } catch {
    return undefined;
  }
}

function writeState(p: BrokerPaths, state: BrokerState): void {
  const tmp = `${p.stateFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(tmp, p.stateFile); // atomic: readers never see half a file
}

function removeState(p: BrokerPaths): void {
  fs.rmSync(p.stateFile, { force: true });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitUntilGone(state: BrokerState, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isOurBroker(state)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
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
export function brokerLogTail(lines = 30, opts: BrokerHomeOptions = {}): string {
  const brokerLog = brokerPaths(opts.home).brokerLog;
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

/**
 * Serialises starts across processes (two terminals, parallel Jest runs) so they cannot both
 * decide that no broker runs and launch two. A lock left by a dead process is taken over.
 */
async function withStartLock<T>(p: BrokerPaths, fn: () => Promise<T>): Promise<T> {
  const START_LOCK = p.startLock;
  fs.mkdirSync(p.home, { recursive: true });
  const deadline = Date.now() + READY_TIMEOUT_MS + 60_000;
  for (;;) {
    try {
      fs.writeFileSync(START_LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(START_LOCK, 'utf8'));
      if (!commandLine(holder)) {
        fs.rmSync(START_LOCK, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`Timed out waiting for ${START_LOCK} (pid ${holder})`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(START_LOCK, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Broker

/** Asks the broker for its cluster id through a real client call; undefined if it does not answer. */
async function describeClusterId(brokers: string): Promise<string | undefined> {
  const admin = new Kafka({
    clientId: 'reliable-kafka-broker-probe',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 0 }, // the caller polls; a probe must fail fast
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 ? cluster.clusterId : undefined;
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Two distinct free ports: bind all on 127.0.0.1:0 at once, note them, release them. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

function serverProperties(port: number, controllerPort: number, dataDir: string): string {
  return `# Written by tools/kafka/kafka-broker.ts on every start; edits here are overwritten.
# Single node, KRaft, broker and controller in one process, tuned for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
# 127.0.0.1, not localhost: Node may resolve localhost to ::1 where nothing listens.
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${dataDir}
num.partitions=1
auto.create.topics.enable=true
# One broker: every internal topic must have replication factor 1 or it is never created.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Tests should not wait 3 s for the first consumer group rebalance.
group.initial.rebalance.delay.ms=0
# After a kill -9 the controller keeps the dead incarnation registered until its session
# expires (default 9 s) and the restarted broker cannot register before then. Controller and
# broker share this one process, so short heartbeats cost nothing and make restarts ~6 s faster.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
`;
}

/** A Kafka cluster id is a base64url UUID; Kafka avoids a leading '-' so CLIs can parse it. */
function newClusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The cluster id a formatted data dir belongs to, if it is one. */
function formattedClusterId(dataDir: string): string | undefined {
  try {
    const meta = fs.readFileSync(path.join(dataDir, 'meta.properties'), 'utf8');
    return /^cluster\.id=(.+)$/m.exec(meta)?.[1].trim();
  } catch {
    return undefined;
  }
}

/** Wipes a data dir for a fresh cluster, refusing to delete anything that is not ours. */
function resetDataDir(dataDir: string, home: string): void {
  const ours = dataDir.startsWith(home + path.sep) || formattedClusterId(dataDir) !== undefined;
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0 && !ours) {
    throw new Error(`Refusing to wipe ${dataDir}: not empty and not a Kafka data dir`);
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
}

/** Reads metadata.version support from the broker itself (DescribeFeatures over the wire). */
async function brokerMetadataVersion(brokers: string): Promise<string | undefined> {
  try {
    const out = await runKafkaTool(
      'org.apache.kafka.tools.FeatureCommand',
      ['--bootstrap-server', brokers, 'describe'],
      30_000,
    );
    return /Feature: metadata\.version\s.*SupportedMaxVersion: (\S+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/** Launches the JVM detached (it must outlive the CLI) and waits until a client call succeeds. */
async function launch(
  p: BrokerPaths,
  state: BrokerState,
  libDir: string,
  freshLog: boolean,
): Promise<BrokerState> {
  const { configFile: CONFIG_FILE, brokerLog: BROKER_LOG } = p;
  fs.writeFileSync(CONFIG_FILE, serverProperties(state.port, state.controllerPort, state.dataDir));
  if (freshLog) fs.writeFileSync(BROKER_LOG, '');
  fs.appendFileSync(
    BROKER_LOG,
    `==== ${new Date().toISOString()} starting broker on ${state.brokers}\n`,
  );
  const logFd = fs.openSync(BROKER_LOG, 'a');
  const child = spawn(
    'java',
    [
      ...JVM_OPTS,
      `-Dlog4j2.configurationFile=${BROKER_LOG4J}`,
      '-cp',
      `${libDir}/*`, // expanded by java itself, no shell involved
      'kafka.Kafka',
      CONFIG_FILE,
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
        `Kafka broker exited during start-up (${exited}).\n${brokerLogTail(30, { home: p.home })}`,
      );
    }
    if (Date.now() > deadline) {
      if (isOurBroker(running)) process.kill(running.pid, 'SIGKILL'); // ours and useless
      throw new Error(
        `Kafka broker not ready after ${READY_TIMEOUT_MS / 1000} s (killed it).\n${brokerLogTail(30, { home: p.home })}`,
      );
    }
    await sleep(250);
  }
}

/**
 * Starts the broker, or reuses the one recorded in .kafka/state.json if it is alive and answers
 * (so calling it twice leaves one broker). If the recorded broker died (crash, killBroker), it is
 * started again on the SAME ports and data dir, without formatting, so clients reconnect to it.
 */
export async function startBroker(
  opts: { dataDir?: string } & BrokerHomeOptions = {},
): Promise<StartResult> {
  const began = Date.now();
  const p = brokerPaths(opts.home);
  const { configFile: CONFIG_FILE, brokerLog: BROKER_LOG } = p;
  const { libDir, version } = await ensureKafkaJars();
  const wantedDataDir = opts.dataDir ? path.resolve(opts.dataDir) : undefined;

  return withStartLock(p, async () => {
    const result = (s: BrokerState, started: boolean): StartResult => ({
      brokers: s.brokers,
      pid: s.pid,
      started,
      version: s.version,
      metadataVersion: s.metadataVersion,
      elapsedMs: Date.now() - began,
    });
    const previous = readState(p);

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
          `Check ${BROKER_LOG}, or run \`npm run kafka:stop\` and start again.\n${brokerLogTail(30, opts)}`,
      );
    }

    // Restart after a crash or kill: same ports and data, no format, so clients reconnect.
    if (
      previous &&
      (!wantedDataDir || wantedDataDir === previous.dataDir) &&
      formattedClusterId(previous.dataDir) === previous.clusterId
    ) {
      try {
        return result(await launch(p, { ...previous, version }, libDir, false), true);
      } catch (err) {
        // state.json is kept, so a later start retries on the same ports and data.
        throw new Error(
          `Restarting the broker on ${previous.brokers} (data ${previous.dataDir}) failed; ` +
            `\`npm run kafka:stop\` discards it for a fresh one.\n${(err as Error).message}`,
        );
      }
    }

    // Fresh cluster: new ports, wiped data dir, formatted storage.
    const dataDir = wantedDataDir ?? p.dataDir;
    const [port, controllerPort] = await freePorts(2);
    const clusterId = newClusterId();
    resetDataDir(dataDir, p.home);
    fs.writeFileSync(CONFIG_FILE, serverProperties(port, controllerPort, dataDir));
    try {
      // controller.quorum.voters is set, so no --standalone (that is for dynamic quorums).
      await runKafkaTool('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', CONFIG_FILE]);
    } catch (err) {
      const e = err as Error & { stderr?: string; stdout?: string };
      throw new Error(
        `Formatting ${dataDir} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
      );
    }
    const fresh: BrokerState = {
      pid: -1,
      port,
      controllerPort,
      brokers: `127.0.0.1:${port}`,
      dataDir,
      configPath: CONFIG_FILE,
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
    // Confirm, from the broker itself, that it runs the release line of the jars we pinned.
    state.metadataVersion = await brokerMetadataVersion(state.brokers);
    const line = version.split('.').slice(0, 2).join('.');
    if (state.metadataVersion && !state.metadataVersion.startsWith(`${line}-`)) {
      throw new Error(
        `Broker on ${state.brokers} supports metadata.version up to ${state.metadataVersion}, ` +
          `which is not Kafka ${line}.x as pinned (${version})`,
      );
    }
    writeState(p, state);
    return result(state, true);
  });
}

/** Kills the recorded broker (SIGKILL by default) and keeps state.json, for fault tests. */
export async function killBroker(
  signal: NodeJS.Signals = 'SIGKILL',
  opts: BrokerHomeOptions = {},
): Promise<number | undefined> {
  const state = readState(brokerPaths(opts.home));
  if (!state || !isOurBroker(state)) return undefined;
  process.kill(state.pid, signal);
  if (!(await waitUntilGone(state, STOP_GRACE_MS))) {
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
  const p = brokerPaths(opts.home);
  const state = readState(p);
  if (!state) return { stopped: false };
  if (!isOurBroker(state)) {
    removeState(p); // died on its own, or the pid now belongs to someone else: leave it alone
    return { stopped: false, pid: state.pid };
  }
  process.kill(state.pid, 'SIGTERM');
  let forced = false;
  if (!(await waitUntilGone(state, STOP_GRACE_MS))) {
    forced = true;
    process.kill(state.pid, 'SIGKILL');
    await waitUntilGone(state, 5_000);
  }
  removeState(p);
  return { stopped: true, pid: state.pid, forced };
}

export async function brokerStatus(opts: BrokerHomeOptions = {}): Promise<BrokerStatus> {
  const state = readState(brokerPaths(opts.home));
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
