import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

/** The database of one demo run, and how to get rid of it. */
export interface DemoDatabase {
  /** For the report, e.g. "PostgreSQL orders_demo_x on 127.0.0.1:5432". */
  description: string;
  /** What the app needs in its environment to use it. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database per run, so a rerun never counts an earlier run's balances.
 *
 * DATABASE_URL (postgres://) names a server: the demo creates a new database `orders_demo_<run>`
 * on it and never touches the database the URL names (that may hold someone's data). It needs the
 * CREATEDB privilege. Without DATABASE_URL: a new SQLite file in the OS temp directory.
 */
export async function createDemoDatabase(runId: string): Promise<DemoDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const file = path.join(os.tmpdir(), `orders-demo-${runId}.sqlite`);
    return {
      description: `SQLite ${file}`,
      env: { ORDERS_SQLITE_PATH: file },
      async drop() {
        for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`])
          fs.rmSync(f, { force: true });
      },
    };
  }
  if (!/^postgres(ql)?:\/\//.test(serverUrl)) {
    throw new Error('DATABASE_URL must be a postgres:// URL (or unset, for SQLite)');
  }
  const name = `orders_demo_${runId.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`;
  await withAdmin(serverUrl, async (admin) => {
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } catch (error) {
      throw new Error(
        `could not create the demo database "${name}" on ${redact(serverUrl)}: ${(error as Error).message}. ` +
          'The demo creates a fresh database per run; the DATABASE_URL user needs the CREATEDB privilege.',
      );
    }
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    description: `PostgreSQL database ${name} on ${url.host}`,
    env: { DATABASE_URL: url.toString() },
    async drop() {
      // FORCE: a connection of a SIGKILLed app may not have been noticed by the server yet.
      await withAdmin(serverUrl, (admin) =>
        admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
