import { createDedupTableMigration } from '@reliable-kafka/nestjs';
import type { DatabaseKind } from '../db/database-kinds';
import { createTestDatabase, type TestDatabase } from '../db/test-database';
import { LEDGER_ENTITIES } from './ledger.entities';

/** A fresh database with the ledger tables and the dedup table, as an app's migrations would make. */
export async function createLedgerDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const db = await createTestDatabase(kind, { entities: LEDGER_ENTITIES, synchronize: true });
  const runner = db.dataSource.createQueryRunner();
  try {
    await new (createDedupTableMigration())().up(runner);
  } finally {
    await runner.release();
  }
  return db;
}
