import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_DEDUP_TABLE } from '../reliable-kafka.constants';
import { binaryKeyCollation } from './binary-key-collation';
import { dedupProcessedAtIndex, dedupTable } from './dedup-table';

/**
 * A TypeORM migration creating the dedup table, for PostgreSQL, MySQL/MariaDB and SQLite alike.
 * Add it to your DataSource's `migrations`; pass the table name if you changed `dedup.tableName`.
 */
export function createDedupTableMigration(
  tableName: string = DEFAULT_DEDUP_TABLE,
): new () => MigrationInterface {
  return class CreateReliableKafkaDedupTable1764300000000 implements MigrationInterface {
    name = `CreateReliableKafkaDedupTable1764300000000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      const collation = await binaryKeyCollation(queryRunner);
      await queryRunner.createTable(dedupTable(tableName, collation), true);
      await queryRunner.createIndex(tableName, dedupProcessedAtIndex(tableName));
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.dropTable(tableName, true);
    }
  };
}

/** The migration for the default table name. */
export const CreateReliableKafkaDedupTable1764300000000 = createDedupTableMigration();
