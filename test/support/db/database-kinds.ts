/**
 * The databases the test suite runs against and where their servers are
 * expected to be. Pure configuration: nothing here opens a connection.
 */

export type DatabaseKind = 'postgres' | 'sqlite' | 'mariadb';

export const DATABASE_KINDS: readonly DatabaseKind[] = ['postgres', 'sqlite', 'mariadb'];

/** Where a database server is expected, and why we think so (for messages). */
export interface ServerConfig {
  /** Admin connection URL (no test database in it; may name a maintenance database). */
  url: string;
  host: string;
  port: number;
  user: string;
  /** Human-readable origin of the settings, e.g. "DATABASE_URL" or "defaults". */
  source: string;
}

type Env = Record<string, string | undefined>;

/**
 * PostgreSQL: DATABASE_URL wins, then the libpq PG* variables, then
 * 127.0.0.1:5432 as user postgres on database postgres.
 */
export function postgresConfig(env: Env = process.env): ServerConfig {
  if (env.DATABASE_URL) {
    if (!/^postgres(ql)?:\/\//.test(env.DATABASE_URL)) {
      throw new Error(`DATABASE_URL must be a postgres:// URL, got ${redactUrl(env.DATABASE_URL)}`);
    }
    return fromUrl(env.DATABASE_URL, 5432, 'DATABASE_URL');
  }
  const usesPgEnv = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'].some((k) => env[k]);
  const host = env.PGHOST || '127.0.0.1';
  const port = Number(env.PGPORT || 5432);
  const user = env.PGUSER || 'postgres';
  const auth =
    encodeURIComponent(user) + (env.PGPASSWORD ? `:${encodeURIComponent(env.PGPASSWORD)}` : '');
  const db = encodeURIComponent(env.PGDATABASE || 'postgres');
  // A PGHOST starting with "/" is a Unix socket directory; pg accepts it as ?host=.
  const url = host.startsWith('/')
    ? `postgres://${auth}@localhost:${port}/${db}?host=${encodeURIComponent(host)}`
    : `postgres://${auth}@${hostForUrl(host)}:${port}/${db}`;
  return { url, host, port, user, source: usesPgEnv ? 'PG* environment' : 'defaults' };
}

/** MariaDB/MySQL: MYSQL_URL, else 127.0.0.1:3306 as root without password. */
export function mariadbConfig(env: Env = process.env): ServerConfig {
  if (env.MYSQL_URL) {
    if (!/^(mysql|mariadb):\/\//.test(env.MYSQL_URL)) {
      throw new Error(`MYSQL_URL must be a mysql:// URL, got ${redactUrl(env.MYSQL_URL)}`);
    }
    // mysql2 only understands mysql://, so normalise a mariadb:// scheme.
    return fromUrl(env.MYSQL_URL.replace(/^mariadb:/, 'mysql:'), 3306, 'MYSQL_URL');
  }
  return {
    url: 'mysql://root@127.0.0.1:3306/',
    host: '127.0.0.1',
    port: 3306,
    user: 'root',
    source: 'defaults',
  };
}

/** Same server, other database: replaces the path of a connection URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Servers we may try to start ourselves must be on this machine. */
export function isLocalHost(host: string): boolean {
  return ['127.0.0.1', 'localhost', '::1', '[::1]', ''].includes(host) || host.startsWith('/');
}

/** For logs and error messages: never print a password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable URL>';
  }
}

function fromUrl(url: string, defaultPort: number, source: string): ServerConfig {
  const u = new URL(url);
  const socketHost = u.searchParams.get('host');
  return {
    url,
    host: socketHost ?? u.hostname,
    port: Number(u.port || defaultPort),
    user: decodeURIComponent(u.username),
    source,
  };
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
