import type { DataSource, EntityManager } from 'typeorm';
import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import type { DedupRecord } from './dedup-record';

const COLUMNS = 'handler_id, idempotency_key, kafka_topic, kafka_partition, kafka_offset, processed_at';

/**
 * Reads and writes dedup records. Each dialect reports a skipped insert differently (TypeORM's
 * `InsertResult` does not tell), so each has its own way to tell "inserted" from "duplicate".
 */
export abstract class DedupStore {
  constructor(protected readonly table: string) {}

  /** Inserts the record in the caller's transaction. False when the key was already there. */
  abstract tryInsert(manager: EntityManager, record: DedupRecord): Promise<boolean>;

  /**
   * Inserts many records in one statement where the dialect allows; returns the idempotency keys
   * that were inserted (a key already present, or repeated in `records`, is inserted once).
   */
  async tryInsertMany(manager: EntityManager, records: DedupRecord[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (const record of records) {
      if (!inserted.has(record.idempotencyKey) && (await this.tryInsert(manager, record))) {
        inserted.add(record.idempotencyKey);
      }
    }
    return inserted;
  }

  /** Deletes up to `limit` records processed before `before`; returns how many went. */
  abstract deleteExpired(dataSource: DataSource, before: number, limit: number): Promise<number>;

  protected values(record: DedupRecord): unknown[] {
    return [
      record.handlerId,
      record.idempotencyKey,
      record.topic,
      record.partition,
      record.offset,
      record.processedAt,
    ];
  }
}

/**
 * One multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING idempotency_key`: the returned keys
 * are the inserted ones. `placeholder(n)` is the dialect's n-th parameter.
 */
async function insertManyReturning(
  manager: EntityManager,
  table: string,
  records: DedupRecord[],
  values: (record: DedupRecord) => unknown[],
  placeholder: (n: number) => string,
): Promise<Set<string>> {
  const params: unknown[] = [];
  const rows = records.map((record) => {
    const row = values(record).map((value) => {
      params.push(value);
      return placeholder(params.length);
    });
    return `(${row.join(', ')})`;
  });
  const returned: { idempotency_key: string }[] = await manager.query(
    `INSERT INTO ${table} (${COLUMNS}) VALUES ${rows.join(', ')}
     ON CONFLICT (handler_id, idempotency_key) DO NOTHING RETURNING idempotency_key`,
    params,
  );
  return new Set(returned.map((row) => row.idempotency_key));
}

/** `ON CONFLICT DO NOTHING RETURNING`: a returned row means inserted. Never aborts the transaction. */
class PostgresDedupStore extends DedupStore {
  override tryInsertMany(manager: EntityManager, records: DedupRecord[]): Promise<Set<string>> {
    return insertManyReturning(manager, this.table, records, (r) => this.values(r), (n) => `$${n}`);
  }

  async tryInsert(manager: EntityManager, record: DedupRecord): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO ${this.table} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (handler_id, idempotency_key) DO NOTHING RETURNING handler_id`,
      this.values(record),
    );
    return rows.length === 1;
  }

  async deleteExpired(dataSource: DataSource, before: number, limit: number): Promise<number> {
    return affected(
      dataSource,
      `DELETE FROM ${this.table} WHERE ctid IN
       (SELECT ctid FROM ${this.table} WHERE processed_at < $1 LIMIT $2)`,
      [before, limit],
    );
  }
}

/** Same statement as PostgreSQL: SQLite 3.35+ supports `RETURNING`, and reports no row on conflict. */
class SqliteDedupStore extends DedupStore {
  override tryInsertMany(manager: EntityManager, records: DedupRecord[]): Promise<Set<string>> {
    return insertManyReturning(manager, this.table, records, (r) => this.values(r), () => '?');
  }

  async tryInsert(manager: EntityManager, record: DedupRecord): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO ${this.table} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (handler_id, idempotency_key) DO NOTHING RETURNING handler_id`,
      this.values(record),
    );
    return rows.length === 1;
  }

  async deleteExpired(dataSource: DataSource, before: number, limit: number): Promise<number> {
    return affected(
      dataSource,
      `DELETE FROM ${this.table} WHERE rowid IN
       (SELECT rowid FROM ${this.table} WHERE processed_at < ? LIMIT ?)`,
      [before, limit],
    );
  }
}

/**
 * A plain INSERT and the duplicate-key error (1062). `INSERT IGNORE` would also swallow other
 * errors, and the affected-row count of `ON DUPLICATE KEY UPDATE` is ambiguous under the
 * CLIENT_FOUND_ROWS flag that mysql2 sets. InnoDB rolls back only the failed statement.
 */
class MysqlDedupStore extends DedupStore {
  async tryInsert(manager: EntityManager, record: DedupRecord): Promise<boolean> {
    try {
      await manager.query(
        `INSERT INTO ${this.table} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`,
        this.values(record),
      );
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async deleteExpired(dataSource: DataSource, before: number, limit: number): Promise<number> {
    return affected(
      dataSource,
      `DELETE FROM ${this.table} WHERE processed_at < ? ORDER BY processed_at LIMIT ?`,
      [before, limit],
    );
  }
}

function isDuplicateKeyError(error: unknown): boolean {
  const e = error as { errno?: number; driverError?: { errno?: number } };
  return e?.errno === 1062 || e?.driverError?.errno === 1062;
}

async function affected(dataSource: DataSource, sql: string, params: unknown[]): Promise<number> {
  const runner = dataSource.createQueryRunner();
  try {
    const result = await runner.query(sql, params, true);
    return result.affected ?? 0;
  } finally {
    await runner.release();
  }
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

export function createDedupStore(dataSource: DataSource, tableName: string): DedupStore {
  if (!TABLE_NAME.test(tableName)) {
    throw new ReliableKafkaConfigurationError(
      'dedup.tableName',
      `"${tableName}" is not a plain table name (letters, digits, underscores, optionally schema.table)`,
    );
  }
  const quoted = tableName
    .split('.')
    .map((part) => dataSource.driver.escape(part))
    .join('.');
  switch (dataSource.options.type) {
    case 'postgres':
      return new PostgresDedupStore(quoted);
    case 'better-sqlite3':
    case 'sqlite':
      return new SqliteDedupStore(quoted);
    case 'mysql':
    case 'mariadb':
      return new MysqlDedupStore(quoted);
    default:
      throw new ReliableKafkaConfigurationError(
        'dataSource',
        `database type "${dataSource.options.type}" is not supported; use postgres, mysql, mariadb, better-sqlite3 or sqlite`,
      );
  }
}
