/**
 * Fresh, isolated databases for tests: every createTestDatabase() call gets its
 * own database (PostgreSQL/MariaDB) or file (SQLite), so test files, workers
 * and runs never see each other's rows. Server locations come from the env
 * set by ensureDatabases() (Jest globalSetup), or are probed on first use.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as mysql from 'mysql2/promise';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { DATABASE_KINDS, DatabaseKind, withDatabase } from './database-kinds';
import { TEST_DB_ENV, loadDatabaseEnv } from './ensure-databases';

export interface TestDatabaseOptions {
  entities?: DataSourceOptions['entities'];
  migrations?: DataSourceOptions['migrations'];
  /** Create the schema from the entities. Default: true unless migrations are given. */
  synchronize?: boolean;
  /** Label added to the database name, to recognise it when debugging. */
  name?: string;
}

/** Plain data: enough for a child process to connect to the same database. */
export interface TestDatabaseConnection {
  type: 'postgres' | 'mariadb' | 'better-sqlite3';
  /** Connection URL (PostgreSQL, MariaDB); absent for SQLite. */
  url?: string;
  /** Database name, or the SQLite file path. */
  database: string;
}

export interface TestDatabase {
  kind: DatabaseKind;
  connection: TestDatabaseConnection;
  /** JSON-serialisable TypeORM options (no entity or migration classes). */
  dataSourceOptions: DataSourceOptions;
  /** Initialised with dataSourceOptions plus the given entities and migrations. */
  dataSource: DataSource;
  /** Destroys the data source and deletes the database; safe to call twice. */
  drop(): Promise<void>;
}

/** Prefix of every database and SQLite file we create: rk_<epoch ms>_<random>[_<label>]. */
const NAME_PREFIX = 'rk_';

/**
 * postgres and sqlite always, mariadb when a server is available. For describe.each.
 * RK_TEST_DB_KINDS=postgres,sqlite narrows the list (e.g. for a quick local run).
 */
export function availableDatabaseKinds(): DatabaseKind[] {
  loadDatabaseEnv();
  const wanted = process.env[TEST_DB_ENV.kinds]?.split(',').map((k) => k.trim());
  return DATABASE_KINDS.filter(
    (kind) => kind !== 'mariadb' || Boolean(process.env[TEST_DB_ENV.mysqlUrl]),
  ).filter((kind) => !wanted || wanted.includes(kind));
}

export async function createTestDatabase(
  kind: DatabaseKind,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  loadDatabaseEnv();
  const name = newDatabaseName(options.name);
  const connection = await createEmptyDatabase(kind, name);
  const synchronize = options.synchronize ?? !options.migrations?.length;
  const dataSourceOptions = toDataSourceOptions(connection, synchronize);
  const dataSource = new DataSource({
    ...dataSourceOptions,
    entities: options.entities ?? [],
    migrations: options.migrations ?? [],
  });
  try {
    await dataSource.initialize();
  } catch (e) {
    await dropDatabase(connection).catch(() => undefined);
    throw e;
  }
  let dropped = false;
  return {
    kind,
    connection,
    dataSourceOptions,
    dataSource,
    async drop() {
      if (dropped) return;
      dropped = true;
      if (dataSource.isInitialized) await dataSource.destroy();
      await dropDatabase(connection);
    },
  };
}

/**
 * Removes rk_ databases and SQLite files left by crashed runs (older than
 * maxAgeMs, so a run in progress elsewhere is left alone). For globalSetup.
 */
export async function dropStaleTestDatabases(maxAgeMs = 6 * 3600_000): Promise<string[]> {
  loadDatabaseEnv();
  const isStale = (name: string): boolean => {
    const match = /^rk_(\d{13})_/.exec(name);
    return match !== null && Date.now() - Number(match[1]) > maxAgeMs;
  };
  const dropped: string[] = [];
  const pg = await pgAdmin();
  try {
    const { rows } = await pg.query<{ datname: string }>(
      `select datname from pg_database where datname like 'rk\\_%'`,
    );
    for (const { datname } of rows.filter((r) => isStale(r.datname))) {
      await pg.query(`DROP DATABASE IF EXISTS ${pgIdent(datname)} WITH (FORCE)`);
      dropped.push(`postgres:${datname}`);
    }
  } finally {
    await pg.end();
  }
  if (process.env[TEST_DB_ENV.mysqlUrl]) {
    const my = await mysqlAdmin();
    try {
      const [rows] = await my.query<mysql.RowDataPacket[]>(`SHOW DATABASES LIKE 'rk\\_%'`);
      for (const name of rows.map((r) => String(Object.values(r)[0])).filter(isStale)) {
        await my.query(`DROP DATABASE IF EXISTS ${mysqlIdent(name)}`);
        dropped.push(`mariadb:${name}`);
      }
    } finally {
      await my.end();
    }
  }
  for (const file of fs
    .readdirSync(os.tmpdir())
    .filter((f) => f.endsWith('.sqlite') && isStale(f))) {
    removeSqliteFiles(path.join(os.tmpdir(), file));
    dropped.push(`sqlite:${file}`);
  }
  return dropped;
}

function newDatabaseName(label?: string): string {
  const suffix = label
    ? `_${label
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_|_$/g, '')}`
    : '';
  // 63 is PostgreSQL's identifier limit (MariaDB allows 64).
  return `${NAME_PREFIX}${Date.now()}_${randomBytes(4).toString('hex')}${suffix}`.slice(0, 63);
}

async function createEmptyDatabase(
  kind: DatabaseKind,
  name: string,
): Promise<TestDatabaseConnection> {
  switch (kind) {
    case 'postgres': {
      const admin = await pgAdmin();
      try {
        await admin.query(`CREATE DATABASE ${pgIdent(name)}`);
      } finally {
        await admin.end();
      }
      return {
        type: 'postgres',
        url: withDatabase(requiredEnv(TEST_DB_ENV.pgUrl), name),
        database: name,
      };
    }
    case 'mariadb': {
      const admin = await mysqlAdmin();
      try {
        await admin.query(
          `CREATE DATABASE ${mysqlIdent(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        );
      } finally {
        await admin.end();
      }
      return {
        type: 'mariadb',
        url: withDatabase(requiredEnv(TEST_DB_ENV.mysqlUrl), name),
        database: name,
      };
    }
    case 'sqlite':
      // better-sqlite3 creates the file when the data source opens it.
      return { type: 'better-sqlite3', database: path.join(os.tmpdir(), `${name}.sqlite`) };
  }
}

async function dropDatabase(connection: TestDatabaseConnection): Promise<void> {
  switch (connection.type) {
    case 'postgres': {
      const admin = await pgAdmin();
      try {
        // FORCE: a connection leaked by a test must not keep the database alive.
        await admin.query(`DROP DATABASE IF EXISTS ${pgIdent(connection.database)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
      return;
    }
    case 'mariadb': {
      const admin = await mysqlAdmin();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${mysqlIdent(connection.database)}`);
      } finally {
        await admin.end();
      }
      return;
    }
    case 'better-sqlite3':
      removeSqliteFiles(connection.database);
      return;
  }
}

function toDataSourceOptions(
  connection: TestDatabaseConnection,
  synchronize: boolean,
): DataSourceOptions {
  const common = { synchronize, logging: false } as const;
  switch (connection.type) {
    case 'postgres':
      return { type: 'postgres', url: connection.url, ...common };
    case 'mariadb':
      return { type: 'mariadb', url: connection.url, charset: 'utf8mb4_unicode_ci', ...common };
    case 'better-sqlite3':
      return { type: 'better-sqlite3', database: connection.database, ...common };
  }
}

async function pgAdmin(): Promise<Client> {
  const client = new Client({
    connectionString: requiredEnv(TEST_DB_ENV.pgUrl),
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  return client;
}

function mysqlAdmin(): Promise<mysql.Connection> {
  return mysql.createConnection({ uri: requiredEnv(TEST_DB_ENV.mysqlUrl), connectTimeout: 10_000 });
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `${name} is not set: this database is not available (${process.env[TEST_DB_ENV.summary] ?? 'not probed'})`,
    );
  return value;
}

function removeSqliteFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`])
    fs.rmSync(f, { force: true });
}

// Names are generated by us, but quote them anyway so a label can never break the SQL.
function pgIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function mysqlIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
