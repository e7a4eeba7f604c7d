import type { DataSource, EntityManager } from 'typeorm';
import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import { type DedupBatch, type DedupRecord, dedupRecordsOf } from './dedup-record';

const COLUMNS =
  'handler_id, idempotency_key, kafka_topic, kafka_partition, kafka_offset, processed_at';

/**
 * Reads and writes dedup records. Each dialect reports a skipped insert differently (TypeORM's
 * `InsertResult` does not tell), so each has its own way to tell "inserted" from "duplicate".
 */
export abstract class DedupStore {
  constructor(protected readonly table: string) {}

  /** Inserts the record in the caller's transaction. False when the key was already there. */
  abstract tryInsert(manager: EntityManager, record: DedupRecord): Promise<boolean>;

  /**
   * Inserts a run's records in one statement where the dialect allows; returns the idempotency keys
   * that were inserted (a key already present, or repeated in the run, is inserted once).
   */
  async tryInsertMany(manager: EntityManager, batch: DedupBatch): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (const record of dedupRecordsOf(batch)) {
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
 * PostgreSQL and SQLite (3.35+): `INSERT ... ON CONFLICT DO NOTHING RETURNING`. A returned row
 * means inserted, none means a duplicate; the conflict never aborts the transaction. The two differ
 * in how parameters are written, how a row is addressed for a bounded DELETE, and PostgreSQL's
 * multi-row insert (below), which answers with the keys that conflicted instead.
 */
class ReturningDedupStore extends DedupStore {
  constructor(
    table: string,
    private readonly placeholder: (n: number) => string,
    private readonly rowIdColumn: 'ctid' | 'rowid',
  ) {
    super(table);
  }

  async tryInsert(manager: EntityManager, record: DedupRecord): Promise<boolean> {
    return (await this.insertRows(manager, [record])).size === 1;
  }

  override tryInsertMany(manager: EntityManager, batch: DedupBatch): Promise<Set<string>> {
    return this.insertRows(manager, dedupRecordsOf(batch));
  }

  private async insertRows(manager: EntityManager, records: DedupRecord[]): Promise<Set<string>> {
    const params: unknown[] = [];
    const rows = records.map((record) => {
      const row = this.values(record).map((value) => {
        params.push(value);
        return this.placeholder(params.length);
      });
      return `(${row.join(', ')})`;
    });
    const returned: { idempotency_key: string }[] = await manager.query(
      `INSERT INTO ${this.table} (${COLUMNS}) VALUES ${rows.join(', ')}
       ON CONFLICT (handler_id, idempotency_key) DO NOTHING RETURNING idempotency_key`,
      params,
    );
    return new Set(returned.map((row) => row.idempotency_key));
  }

  async deleteExpired(dataSource: DataSource, before: number, limit: number): Promise<number> {
    const id = this.rowIdColumn;
    return affected(
      dataSource,
      `DELETE FROM ${this.table} WHERE ${id} IN
       (SELECT ${id} FROM ${this.table} WHERE processed_at < ${this.placeholder(1)} LIMIT ${this.placeholder(2)})`,
      [before, limit],
    );
  }
}

/**
 * PostgreSQL: the keys and offsets travel as two array parameters expanded by `unnest`, and what
 * every row of the run shares (handler, topic, partition, time) as four plain ones, not as a VALUES
 * list of six parameters per row. The statement text and its parameter count do not grow with the
 * run, which makes a 500-row insert several times cheaper to parse and bind on the server, and the
 * shared values are not written, escaped and parsed once per row. The answer is the keys that were
 * there already, the complement of `RETURNING`: in the common case no rows at all.
 */
class PostgresDedupStore extends ReturningDedupStore {
  constructor(table: string) {
    super(table, (n) => `$${n}`, 'ctid');
  }

  override async tryInsertMany(manager: EntityManager, batch: DedupBatch): Promise<Set<string>> {
    const keys = batch.entries.map((e) => e.idempotencyKey);
    // Only the keys recorded before come back (usually none), not a row for every key inserted.
    const known: { idempotency_key: string }[] = await manager.query(
      `WITH inserted AS (
         INSERT INTO ${this.table} (${COLUMNS})
         SELECT $1::varchar, run.key, $3::varchar, $4::int, run.kafka_offset, $6::bigint
         FROM unnest($2::varchar[], $5::bigint[]) AS run(key, kafka_offset)
         ON CONFLICT (handler_id, idempotency_key) DO NOTHING RETURNING idempotency_key
       )
       SELECT run.key AS idempotency_key FROM unnest($2::varchar[]) AS run(key)
       EXCEPT SELECT idempotency_key FROM inserted`,
      [
        batch.handlerId,
        keys,
        batch.topic,
        batch.partition,
        batch.entries.map((e) => e.offset),
        batch.processedAt,
      ],
    );
    const inserted = new Set(keys);
    for (const row of known) inserted.delete(row.idempotency_key);
    return inserted;
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
      return new ReturningDedupStore(quoted, () => '?', 'rowid');
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
