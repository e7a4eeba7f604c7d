/**
 * Makes sure the database servers the tests need are reachable, once per test
 * run (Jest globalSetup), starting them when they are installed but not running.
 *
 * PostgreSQL is required: probe the configured server; if nothing answers on
 * this machine, (a) start the Debian cluster with pg_ctlcluster, else (b) init
 * a throwaway cluster in <repo>/.pgdata (git-ignored) on a free port, else fail
 * with a message saying what was tried and how to provide one.
 * MariaDB is optional on a developer machine: probe, try start-stop-daemon, else
 * record a note (and the MariaDB cases are skipped); with CI set it is required.
 *
 * Results travel to Jest workers through process.env (TEST_DB_ENV below).
 * Run this file directly (`npx ts-node test/support/db/ensure-databases.ts`)
 * to print those variables as JSON.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import * as mysql from 'mysql2/promise';
import { Client } from 'pg';
import {
  ServerConfig,
  isLocalHost,
  mariadbConfig,
  postgresConfig,
  redactUrl,
} from './database-kinds';
import { requireMariadbOnCi } from './mariadb-requirement';

/** Environment variables: outputs set for the test workers, then inputs a developer may set. */
export const TEST_DB_ENV = {
  /** Admin URL of the PostgreSQL server to create test databases on. */
  pgUrl: 'RK_TEST_PG_URL',
  pgVersion: 'RK_TEST_PG_VERSION',
  /** Admin URL of MariaDB; empty string when MariaDB is not available. */
  mysqlUrl: 'RK_TEST_MYSQL_URL',
  mysqlVersion: 'RK_TEST_MYSQL_VERSION',
  sqliteVersion: 'RK_TEST_SQLITE_VERSION',
  /** The describeDatabases() line. */
  summary: 'RK_TEST_DATABASES',
  /** Data directory of a throwaway cluster we started; empty otherwise. */
  pgThrowawayDir: 'RK_TEST_PG_THROWAWAY_DIR',
  /** Input: "1" skips the configured server and goes straight to a throwaway cluster. */
  forceThrowaway: 'RK_TEST_PG_FORCE_THROWAWAY',
  /** Input: "1" treats MariaDB as unavailable without probing it. */
  skipMariadb: 'RK_TEST_SKIP_MARIADB',
  /** Input: comma list narrowing availableDatabaseKinds(), e.g. "postgres,sqlite". */
  kinds: 'RK_TEST_DB_KINDS',
} as const;

/** running: it was already up; started: we started the machine's server; throwaway: our own cluster. */
export type ServerOrigin = 'running' | 'started' | 'throwaway';

export interface ServerInfo {
  /** Admin connection URL. */
  url: string;
  host: string;
  port: number;
  user: string;
  /** Short version, e.g. "15.20" or "10.11.19". */
  version: string;
  /** Full `select version()` text. */
  versionString: string;
  origin: ServerOrigin;
}

export interface PgServerInfo extends ServerInfo {
  /** Set when origin is "throwaway": stopStartedDatabases() stops and deletes it. */
  throwawayDir?: string;
}

export interface DatabasesInfo {
  postgres: PgServerInfo;
  mariadb: ServerInfo | null;
  sqlite: { version: string };
  notes: string[];
}

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** Throwaway cluster directories are named <prefix><pid of the process that owns it>. */
const CLUSTER_PREFIX = 'rk-pg-';
/** Internal: set for the child of loadDatabaseEnv() so the cluster belongs to the test process. */
const OWNER_PID_ENV = 'RK_TEST_PG_OWNER_PID';
const CONNECT_TIMEOUT_MS = 2_000;

let pending: Promise<DatabasesInfo> | undefined;
let lastInfo: DatabasesInfo | undefined;

/**
 * Probes (and if need be starts) the servers, then puts their locations into
 * process.env (TEST_DB_ENV) for the test workers. Memoised: calling it twice is cheap.
 */
export function ensureDatabases(): Promise<DatabasesInfo> {
  pending ??= (async () => {
    const notes: string[] = [];
    const postgres = await ensurePostgres(notes);
    const mariadb = await ensureMariadb(notes);
    const info: DatabasesInfo = { postgres, mariadb, sqlite: { version: sqliteVersion() }, notes };
    // On CI a missing MariaDB fails here, before any test ran without it.
    requireMariadbOnCi(mariadb !== null, mariadbUnavailableReason(info));
    lastInfo = info;
    // Workers are forked after globalSetup and inherit this environment.
    exportDatabaseEnv(info);
    return info;
  })();
  // A failed attempt may be retried (e.g. after the user starts a server).
  pending.catch(() => (pending = undefined));
  return pending;
}

/** One line for the test log. Without an argument: the last ensureDatabases() result, or the env summary. */
export function describeDatabases(info: DatabasesInfo | undefined = lastInfo): string {
  if (!info) return process.env[TEST_DB_ENV.summary] || 'databases: not probed yet';
  const pg = info.postgres;
  const pgOrigin = {
    running: 'running server',
    started: 'started by the test harness',
    throwaway: 'throwaway cluster',
  }[pg.origin];
  const parts = [
    `PostgreSQL ${pg.version} at ${pg.host}:${pg.port} (${pgOrigin})`,
    `SQLite ${info.sqlite.version} (better-sqlite3)`,
  ];
  const maria = info.mariadb;
  if (maria) {
    const started = maria.origin === 'started' ? ' (started by the test harness)' : '';
    parts.push(`MariaDB ${maria.version} at ${maria.host}:${maria.port}${started}`);
  } else {
    parts.push(mariadbUnavailableReason(info));
  }
  return `databases: ${parts.join(', ')}`;
}

/** Why MariaDB is not available, from the notes of ensureMariadb. */
export function mariadbUnavailableReason(info: DatabasesInfo): string {
  return info.notes.find((n) => n.startsWith('MariaDB: not available')) ?? 'MariaDB: not available';
}

/** The variables a globalSetup puts into process.env for the workers. */
export function databaseEnv(info: DatabasesInfo): Record<string, string> {
  return {
    [TEST_DB_ENV.pgUrl]: info.postgres.url,
    [TEST_DB_ENV.pgVersion]: info.postgres.version,
    [TEST_DB_ENV.mysqlUrl]: info.mariadb?.url ?? '',
    [TEST_DB_ENV.mysqlVersion]: info.mariadb?.version ?? '',
    [TEST_DB_ENV.sqliteVersion]: info.sqlite.version,
    [TEST_DB_ENV.summary]: describeDatabases(info),
    [TEST_DB_ENV.pgThrowawayDir]: info.postgres.throwawayDir ?? '',
  };
}

export function exportDatabaseEnv(info: DatabasesInfo): void {
  Object.assign(process.env, databaseEnv(info));
}

/**
 * For a test process that had no globalSetup (e.g. one spec run on its own):
 * fills process.env by running ensureDatabases() in a child process. It is
 * synchronous because describe.each needs the list of kinds at load time.
 * A throwaway cluster started that way belongs to this process: a watchdog
 * stops it when this process exits.
 */
export function loadDatabaseEnv(): void {
  if (process.env[TEST_DB_ENV.pgUrl] !== undefined) return;
  const child = spawnSync(process.execPath, [...tsLoader(), __filename], {
    cwd: REPO_ROOT,
    env: { ...process.env, [OWNER_PID_ENV]: String(process.pid) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
  });
  if (child.status !== 0) {
    throw new Error(
      `Test databases are not available:\n${child.stderr || child.error?.message || `exit ${child.status}`}`,
    );
  }
  process.stderr.write(child.stderr);
  const lastLine = child.stdout.trim().split('\n').pop() ?? '{}';
  Object.assign(process.env, JSON.parse(lastLine) as Record<string, string>);
}

/** Jest globalTeardown: stops what we started that nobody else should keep (the throwaway cluster). */
export async function stopStartedDatabases(): Promise<string[]> {
  const dir = lastInfo?.postgres.throwawayDir || process.env[TEST_DB_ENV.pgThrowawayDir];
  if (!dir) return [];
  stopThrowawayCluster(dir);
  process.env[TEST_DB_ENV.pgThrowawayDir] = '';
  pending = lastInfo = undefined;
  // Servers started with pg_ctlcluster / start-stop-daemon are the machine's own and stay up.
  return [`PostgreSQL: stopped and removed the throwaway cluster in ${dir}`];
}

/**
 * A throwaway PostgreSQL cluster of the caller's own (not the run's shared server), e.g. for fault
 * tests that stop and start it: <repo>/.pgdata/rk-pg-<pid>-<label>, on a free port, trust auth.
 * Stop and delete it with removeOwnThrowawayPostgres(); a watchdog does so if this process dies.
 */
export async function startOwnThrowawayPostgres(
  label: string,
): Promise<{ url: string; dataDir: string; port: number }> {
  const { url, dataDir } = await startThrowawayCluster(label.replace(/[^a-z0-9]+/gi, '-'));
  const probe = await probePostgres(url);
  if (!probe.ok) {
    stopThrowawayCluster(dataDir);
    throw new Error(
      `throwaway PostgreSQL in ${dataDir} started but does not answer: ${probe.reason}`,
    );
  }
  return { url, dataDir, port: Number(new URL(url).port) };
}

/** Stops a throwaway cluster's server (pg_ctl stop -m fast), keeping its data: an outage. */
export async function stopThrowawayPostgresServer(dataDir: string): Promise<void> {
  const r = await pgCtl(dataDir, ['-m', 'fast', '-w', '-t', '60', 'stop']);
  if (r.code !== 0)
    throw new Error(`pg_ctl stop of ${dataDir} failed (exit ${r.code}): ${tail(r.output)}`);
}

/** Starts a stopped throwaway cluster again, on its port and data (pg_ctl start -w). */
export async function startThrowawayPostgresServer(dataDir: string): Promise<void> {
  const logFile = path.join(dataDir, 'server.log');
  const r = await pgCtl(dataDir, ['-l', logFile, '-w', '-t', '60', 'start']);
  if (r.code !== 0)
    throw new Error(`pg_ctl start of ${dataDir} failed (exit ${r.code}): ${tail(r.output)}`);
}

/** Stops and deletes a cluster made by startOwnThrowawayPostgres(); safe to call twice. */
export function removeOwnThrowawayPostgres(dataDir: string): void {
  stopThrowawayCluster(dataDir);
}

function pgCtl(dataDir: string, args: string[]): Promise<RunResult> {
  const bin = findPgBinDir();
  if (!bin) return Promise.resolve({ code: null, output: 'no pg_ctl found' });
  return run(...asPostgres(path.join(bin, 'pg_ctl'), ['-D', dataDir, ...args]));
}

// ---------------------------------------------------------------- PostgreSQL

async function ensurePostgres(notes: string[]): Promise<PgServerInfo> {
  const cfg = postgresConfig();
  const tried: string[] = [];
  if (process.env[TEST_DB_ENV.forceThrowaway] === '1') {
    notes.push(`PostgreSQL: ${TEST_DB_ENV.forceThrowaway}=1, not using ${redactUrl(cfg.url)}`);
  } else {
    const probe = await probePostgres(cfg.url);
    if (probe.ok) return serverInfo(cfg, probe.versionString, 'running');
    tried.push(`connecting to ${redactUrl(cfg.url)} (from ${cfg.source}): ${probe.reason}`);
    // A server that answered (bad password, missing database) will not be fixed by starting another.
    if (probe.answered) {
      throw postgresRequired(tried, 'a server answered but refused us; fix the settings');
    }
    if (!isLocalHost(cfg.host)) {
      throw postgresRequired(tried, `${cfg.host} is not this machine: nothing to start here`);
    }
    const attempt = await startDebianClusters();
    if (!attempt) {
      tried.push('pg_ctlcluster: no /etc/postgresql/<version>/main cluster on this machine');
    } else {
      // Only a cluster that did start is worth waiting for ("already running" is on another port).
      // If it answers but refuses us (e.g. wants a password), (b) below still gets a chance.
      const after = attempt.startedAny
        ? await waitFor(() => probePostgres(cfg.url), 15_000)
        : await probePostgres(cfg.url);
      if (after.ok) {
        notes.push(`PostgreSQL: nothing answered at ${cfg.host}:${cfg.port}; ${attempt.text}`);
        return serverInfo(cfg, after.versionString, 'started');
      }
      tried.push(`${attempt.text}; ${cfg.host}:${cfg.port} still fails: ${after.reason}`);
    }
  }
  try {
    const { url, dataDir } = await startThrowawayCluster();
    const probe = await probePostgres(url);
    if (!probe.ok) {
      stopThrowawayCluster(dataDir);
      throw new Error(`it started but does not answer: ${probe.reason}`);
    }
    if (tried.length) notes.push(`PostgreSQL: ${tried.join('; ')}`);
    notes.push(
      `PostgreSQL: started a throwaway cluster in ${dataDir} (stopped at teardown, or when process ${clusterOwnerPid()} exits)`,
    );
    return {
      ...serverInfo(postgresConfig({ DATABASE_URL: url }), probe.versionString, 'throwaway'),
      throwawayDir: dataDir,
    };
  } catch (e) {
    tried.push(`throwaway cluster: ${errorText(e)}`);
  }
  throw postgresRequired(tried);
}

function postgresRequired(tried: string[], why?: string): Error {
  return new Error(
    [
      `PostgreSQL is required by the test suite but none is usable${why ? ` (${why})` : ''}.`,
      'Tried:',
      ...tried.map((t, i) => `  ${i + 1}. ${t}`),
      'Provide one: set DATABASE_URL=postgres://user:password@host:port/postgres (or PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE),',
      'or install the server (apt-get install postgresql) so the harness can start it.',
    ].join('\n'),
  );
}

/** (a) Debian/Ubuntu: start every "main" cluster. Returns what was done, or null if there is none. */
async function startDebianClusters(): Promise<{ text: string; startedAny: boolean } | null> {
  const ctl = findExecutable('pg_ctlcluster');
  if (!ctl || !fs.existsSync('/etc/postgresql')) return null;
  const versions = fs
    .readdirSync('/etc/postgresql')
    .filter((v) => fs.existsSync(`/etc/postgresql/${v}/main/postgresql.conf`));
  if (versions.length === 0) return null;
  const done: string[] = [];
  let startedAny = false;
  for (const v of versions) {
    const r = await run(ctl, ['--skip-systemctl-redirect', v, 'main', 'start']);
    startedAny ||= r.code === 0;
    const outcome = r.code === 0 ? 'ok' : `exit ${r.code}: ${oneLine(r.output)}`;
    done.push(`pg_ctlcluster ${v} main start -> ${outcome}`);
  }
  return { text: `ran ${done.join('; ')}`, startedAny };
}

/**
 * (b) initdb + pg_ctl into <repo>/.pgdata/rk-pg-<owner pid>: trust auth, 127.0.0.1 only,
 * a free port, no durability (it is thrown away). Postgres refuses to run as
 * root, so as root everything runs as the "postgres" OS user.
 */
async function startThrowawayCluster(label?: string): Promise<{ url: string; dataDir: string }> {
  const bin = findPgBinDir();
  if (!bin) {
    throw new Error(
      'no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on PATH',
    );
  }
  // One cluster per owning process, so parallel runs never share or wipe each other's.
  const ownerPid = clusterOwnerPid();
  removeOrphanClusters();
  const dirName = `${CLUSTER_PREFIX}${ownerPid}${label ? `-${label}` : ''}`;
  let dataDir = path.join(REPO_ROOT, '.pgdata', dirName);
  const owner = isRoot() ? lookupUser('postgres') : undefined;
  if (isRoot() && !owner) {
    throw new Error('running as root and there is no "postgres" OS user to run initdb as');
  }
  // .pgdata must stay traversable for the postgres user; the cluster inside it is private.
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  fs.chmodSync(path.dirname(dataDir), 0o755);
  const prepare = (dir: string): void => {
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o700);
    if (owner) fs.chownSync(dir, owner.uid, owner.gid);
  };
  prepare(dataDir);
  // The repo may sit where the postgres user cannot reach (e.g. under /root): use the temp dir then.
  if (owner && (await run(...asPostgres('test', ['-w', dataDir]))).code !== 0) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    dataDir = path.join(os.tmpdir(), dirName);
    prepare(dataDir);
  }
  const initdb = await run(
    ...asPostgres(path.join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]),
  );
  if (initdb.code !== 0) {
    stopThrowawayCluster(dataDir);
    throw new Error(`initdb failed (exit ${initdb.code}): ${tail(initdb.output)}`);
  }
  const port = await freePort();
  fs.appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    [
      '\n# added by test/support/db/ensure-databases.ts',
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      "unix_socket_directories = ''", // no dependency on /var/run/postgresql
      'fsync = off',
      'full_page_writes = off',
      'synchronous_commit = off',
      '',
    ].join('\n'),
  );
  const logFile = path.join(dataDir, 'server.log');
  const start = await run(
    ...asPostgres(path.join(bin, 'pg_ctl'), [
      '-D',
      dataDir,
      '-l',
      logFile,
      '-w',
      '-t',
      '30',
      'start',
    ]),
  );
  if (start.code !== 0) {
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    stopThrowawayCluster(dataDir);
    throw new Error(`pg_ctl start failed (exit ${start.code}): ${tail(start.output)} ${tail(log)}`);
  }
  startWatchdog(ownerPid, dataDir);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dataDir };
}

/**
 * A detached process that stops the cluster once its owner is gone, however
 * the owner ends (no teardown, a crash, SIGKILL). A normal teardown is earlier.
 */
function startWatchdog(ownerPid: number, dataDir: string): void {
  spawn(
    process.execPath,
    [...tsLoader(), __filename, '--stop-when-gone', String(ownerPid), dataDir],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: 'ignore',
    },
  ).unref();
}

function stopWhenGone(ownerPid: number, dataDir: string): void {
  const timer = setInterval(() => {
    if (isAlive(ownerPid)) return;
    clearInterval(timer);
    stopThrowawayCluster(dataDir);
  }, 1_000);
}

/** Clusters whose owner died before any watchdog could act (e.g. the machine was reset). */
function removeOrphanClusters(): void {
  for (const parent of [path.join(REPO_ROOT, '.pgdata'), os.tmpdir()]) {
    if (!fs.existsSync(parent)) continue;
    for (const entry of fs.readdirSync(parent)) {
      // rk-pg-<pid> or rk-pg-<pid>-<label> (startOwnThrowawayPostgres).
      const owner = entry.startsWith(CLUSTER_PREFIX)
        ? parseInt(entry.slice(CLUSTER_PREFIX.length), 10)
        : 0;
      if (owner && !isAlive(owner)) stopThrowawayCluster(path.join(parent, entry));
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Synchronous so it also works from a process 'exit' handler. */
function stopThrowawayCluster(dataDir: string): void {
  if (!fs.existsSync(dataDir)) return;
  const bin = findPgBinDir();
  if (bin && fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
    const [cmd, args] = asPostgres(path.join(bin, 'pg_ctl'), [
      '-D',
      dataDir,
      '-m',
      'fast',
      '-w',
      'stop',
    ]);
    spawnSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}

type Probe = { ok: true; versionString: string } | { ok: false; reason: string; answered: boolean };

async function probePostgres(url: string): Promise<Probe> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined); // a dying connection must not crash the probe
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string }>('select version() as version');
    return { ok: true, versionString: rows[0].version };
  } catch (e) {
    // SQLSTATE codes mean a server answered; 57P03 ("starting up") is worth waiting for.
    // A password demand (SASL/SCRAM) fails inside pg without a code, but is an answer too.
    const code = (e as { code?: unknown }).code;
    const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && code !== '57P03';
    const reason = errorText(e);
    return { ok: false, reason, answered: sqlState || /password|SASL|SCRAM/i.test(reason) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What the log and the tests need to know of a server that answered. */
function serverInfo(cfg: ServerConfig, versionString: string, origin: ServerOrigin): ServerInfo {
  return {
    url: cfg.url,
    host: cfg.host,
    port: cfg.port,
    user: cfg.user,
    versionString,
    version: shortVersion(versionString),
    origin,
  };
}

function findPgBinDir(): string | undefined {
  const hasTools = (dir: string): boolean =>
    ['initdb', 'pg_ctl'].every((t) => isExecutable(path.join(dir, t)));
  const debian = '/usr/lib/postgresql';
  const versioned = fs.existsSync(debian)
    ? fs
        .readdirSync(debian)
        .sort((a, b) => Number(b) - Number(a)) // newest first
        .map((v) => path.join(debian, v, 'bin'))
    : [];
  return [...versioned, ...pathDirs()].find(hasTools);
}

function asPostgres(cmd: string, args: string[]): [string, string[]] {
  if (!isRoot()) return [cmd, args];
  const runuser = findExecutable('runuser');
  if (runuser) return [runuser, ['-u', 'postgres', '--', cmd, ...args]];
  const quoted = [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return [findExecutable('su') ?? 'su', ['postgres', '-s', '/bin/sh', '-c', quoted]];
}

// ---------------------------------------------------------------- MariaDB

async function ensureMariadb(notes: string[]): Promise<ServerInfo | null> {
  const unavailable = (reason: string): null => {
    notes.push(`MariaDB: not available (${reason})`);
    return null;
  };
  if (process.env[TEST_DB_ENV.skipMariadb] === '1')
    return unavailable(`${TEST_DB_ENV.skipMariadb}=1`);
  let cfg: ServerConfig;
  try {
    cfg = mariadbConfig();
  } catch (e) {
    return unavailable(errorText(e));
  }
  const probe = await probeMysql(cfg.url);
  if (probe.ok) return serverInfo(cfg, probe.versionString, 'running');
  const failed = `${redactUrl(cfg.url)}: ${probe.reason}`;
  if (probe.answered || !isLocalHost(cfg.host)) return unavailable(failed);

  const daemon = findExecutable('mariadbd') ?? findExecutable('mysqld');
  const ssd = findExecutable('start-stop-daemon');
  if (!daemon || !ssd || !isRoot()) {
    return unavailable(
      `${failed}; cannot start one: ${!daemon ? 'no mariadbd binary' : !ssd ? 'no start-stop-daemon' : 'not root'}`,
    );
  }
  // The socket directory lives on a tmpfs that may be empty after a reboot.
  const mysqlUser = lookupUser('mysql');
  if (mysqlUser && !fs.existsSync('/run/mysqld')) {
    fs.mkdirSync('/run/mysqld', { recursive: true });
    fs.chownSync('/run/mysqld', mysqlUser.uid, mysqlUser.gid);
  }
  const started = await run(ssd, ['--start', '--oknodo', '--background', '--exec', daemon]);
  // A daemon that already runs elsewhere (other port or socket) will not start answering here.
  if (/already running/.test(started.output)) {
    return unavailable(`${failed}; ${daemon} already runs, but does not answer there`);
  }
  const after = await waitFor(() => probeMysql(cfg.url), 30_000);
  if (!after.ok) {
    return unavailable(
      `${failed}; start-stop-daemon --exec ${daemon} (exit ${started.code}) did not help: ${after.reason}`,
    );
  }
  notes.push(
    `MariaDB: nothing answered at ${cfg.host}:${cfg.port}; started ${daemon} with start-stop-daemon`,
  );
  return serverInfo(cfg, after.versionString, 'started');
}

async function probeMysql(url: string): Promise<Probe> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection({ uri: url, connectTimeout: CONNECT_TIMEOUT_MS });
    const [rows] = await conn.query<mysql.RowDataPacket[]>('select version() as version');
    return { ok: true, versionString: String(rows[0].version) };
  } catch (e) {
    // Server-side errors (access denied, ...) carry an SQL state; socket errors do not.
    return {
      ok: false,
      reason: errorText(e),
      answered: typeof (e as { sqlState?: unknown }).sqlState === 'string',
    };
  } finally {
    await conn?.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- SQLite and helpers

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
  } finally {
    db.close();
  }
}

/** Retries a probe until it succeeds, a server answers with a real error, or time runs out. */
async function waitFor(probe: () => Promise<Probe>, totalMs: number): Promise<Probe> {
  const deadline = Date.now() + totalMs;
  for (;;) {
    const r = await probe();
    if (r.ok || r.answered || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 500));
  }
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command, never rejects; output is stdout+stderr. */
function run(cmd: string, args: string[], timeoutMs = 90_000): Promise<RunResult> {
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const finish = (code: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, output: output.trim() });
    };
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
      finish(null);
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => {
      output += errorText(e);
      finish(null);
    });
    child.on('close', (code) => finish(code));
    // A daemon that inherited our pipes would hold back 'close' forever.
    child.on('exit', (code) => setTimeout(() => finish(code), 500).unref());
  });
}

function clusterOwnerPid(): number {
  return Number(process.env[OWNER_PID_ENV]) || process.pid;
}

/** Node arguments to run this .ts file in a child process (none once compiled to .js). */
function tsLoader(): string[] {
  return __filename.endsWith('.ts')
    ? ['-r', require.resolve('ts-node/register/transpile-only')]
    : [];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function pathDirs(): string[] {
  return [
    ...(process.env.PATH ?? '').split(path.delimiter),
    '/usr/local/sbin',
    '/usr/sbin',
    '/sbin',
  ].filter(Boolean);
}

function findExecutable(name: string): string | undefined {
  return pathDirs()
    .map((dir) => path.join(dir, name))
    .find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const line = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    if (!line) return undefined;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}

/** "PostgreSQL 15.20 (Debian ...) on x86_64" -> "15.20"; "10.11.19-MariaDB-0+deb12u1" -> "10.11.19". */
function shortVersion(versionString: string): string {
  return /\d+(\.\d+)+/.exec(versionString)?.[0] ?? versionString;
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // Node reports a refused "localhost" (IPv4 and IPv6 tried) as an AggregateError with an empty message.
  const inner = e instanceof AggregateError ? e.errors.map((x) => errorText(x)).join('; ') : '';
  const code = (e as { code?: unknown }).code;
  return e.message || inner || (typeof code === 'string' ? code : e.name);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

function tail(text: string): string {
  return oneLine(text.slice(-600));
}

// Command-line use, and the child process of loadDatabaseEnv(): the env as JSON on the last stdout
// line. With --stop-when-gone <pid> <dir>: the watchdog of a throwaway cluster.
if (require.main === module && process.argv[2] === '--stop-when-gone') {
  stopWhenGone(Number(process.argv[3]), String(process.argv[4]));
} else if (require.main === module) {
  ensureDatabases().then(
    (info) => {
      process.stderr.write(
        `${describeDatabases(info)}\n${info.notes.map((n) => `  ${n}\n`).join('')}`,
      );
      process.stdout.write(`${JSON.stringify(databaseEnv(info))}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`${errorText(e)}\n`);
      process.exit(1);
    },
  );
}
