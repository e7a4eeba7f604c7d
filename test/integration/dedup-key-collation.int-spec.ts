/**
 * A dedup table that an earlier version created keeps the database's collation: on MySQL/MariaDB
 * usually one that ignores letter case and trailing spaces, so two keys would be one and a distinct
 * message skipped as a duplicate. Bootstrap checks the key columns of an existing table. The
 * MariaDB cases run wherever MariaDB is available and are required on CI (the global setup fails
 * the run without it, see test/support/db/mariadb-requirement.ts).
 */
import type { INestApplicationContext } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import {
  createDedupTableMigration,
  DedupKeyCollationError,
  type ReliableKafkaModuleOptions,
} from '../../libs/reliable-kafka/src';
import { createDedupStore } from '../../libs/reliable-kafka/src/dedup/dedup-store';
import { dedupTable } from '../../libs/reliable-kafka/src/dedup/dedup-table';
import {
  availableDatabaseKinds,
  createTestDatabase,
  type TestDatabase,
} from '../support/db/test-database';
import { startTestApp } from '../support/test-app';

describe.each(availableDatabaseKinds())('an existing dedup table on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db?.drop());

  /** Bootstraps an app on the existing table `tableName` (never creating one). */
  const boot = (tableName: string): Promise<INestApplicationContext> => {
    const dedup = { tableName, createTable: false } as ReliableKafkaModuleOptions['dedup'];
    return startTestApp({ db, options: { dedup } });
  };

  async function withRunner(work: (runner: QueryRunner) => Promise<void>): Promise<void> {
    const runner = db.dataSource.createQueryRunner();
    try {
      await work(runner);
    } finally {
      await runner.release();
    }
  }

  it('made by the migration: bootstrap succeeds', async () => {
    const Migration = createDedupTableMigration('rk_dedup_migrated');
    await withRunner((runner) => new Migration().up(runner));
    const app = await boot('rk_dedup_migrated');
    await app.close();
  });

  // Text compares by collation on MySQL/MariaDB only; PostgreSQL and SQLite compare bytes.
  if (kind !== 'mariadb') return;

  it('made the old way, with the database collation: bootstrap fails with the fix, which works', async () => {
    // What earlier versions did: no collation on the key columns (the database has utf8mb4_unicode_ci).
    await withRunner((runner) => runner.createTable(dedupTable('rk_dedup_old'), true));

    const error = await bootstrapError(() => boot('rk_dedup_old'));
    const fix =
      'ALTER TABLE `rk_dedup_old` ' +
      'MODIFY `handler_id` VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL, ' +
      'MODIFY `idempotency_key` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL';
    const ignores = 'letter case, accents, how an accent is encoded, trailing spaces';
    expect({
      code: error.code,
      setting: error.setting,
      table: error.table,
      columns: error.columns,
      alterTable: error.alterTable,
    }).toEqual({
      code: 'RK_DEDUP_KEY_COLLATION',
      setting: 'dedup.tableName',
      table: 'rk_dedup_old',
      columns: [
        { column: 'handler_id', collation: 'utf8mb4_unicode_ci', ignores },
        { column: 'idempotency_key', collation: 'utf8mb4_unicode_ci', ignores },
      ],
      alterTable: fix,
    });
    expect(error.message).toContain('"rk_dedup_old"');
    expect(error.message).toContain('idempotency_key has collation utf8mb4_unicode_ci');
    expect(error.message).toContain(fix);

    // The statement the error gives fixes the table: bootstrap succeeds, the keys are distinct.
    await db.dataSource.query(error.alterTable);
    const app = await boot('rk_dedup_old');
    await app.close();
    const store = createDedupStore(db.dataSource, 'rk_dedup_old');
    const inserted: boolean[] = [];
    for (const idempotencyKey of ['Order-7', 'order-7', 'order-7 ']) {
      const record = { handlerId: 'h', idempotencyKey, topic: 't', partition: 0, offset: '1' };
      const processedAt = Date.now();
      inserted.push(
        await db.dataSource.transaction((m) => store.tryInsert(m, { ...record, processedAt })),
      );
    }
    expect(inserted).toEqual([true, true, true]);
  });

  it('binary but padded (utf8mb4_bin): bootstrap fails, naming the trailing spaces', async () => {
    await withRunner((runner) =>
      runner.createTable(dedupTable('rk_dedup_padded', 'utf8mb4_bin'), true),
    );
    const error = await bootstrapError(() => boot('rk_dedup_padded'));
    expect(error.columns).toEqual([
      { column: 'handler_id', collation: 'utf8mb4_bin', ignores: 'trailing spaces' },
      { column: 'idempotency_key', collation: 'utf8mb4_bin', ignores: 'trailing spaces' },
    ]);
    expect(error.alterTable).toContain('COLLATE utf8mb4_nopad_bin');
  });
});

async function bootstrapError(boot: () => Promise<unknown>): Promise<DedupKeyCollationError> {
  try {
    await boot();
  } catch (error) {
    if (error instanceof DedupKeyCollationError) return error;
    throw error;
  }
  throw new Error('bootstrap succeeded, expected a DedupKeyCollationError');
}
