import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_OUTBOX_TABLE } from '../../options/producer-settings';
import { outboxPendingIndex, outboxTable } from './outbox-table';

/**
 * A TypeORM migration creating the outbox table, for PostgreSQL, MySQL/MariaDB and SQLite alike.
 * Add it to your DataSource's `migrations`; pass the table name if you set `producer.outbox.tableName`.
 */
export function createOutboxTableMigration(
  tableName: string = DEFAULT_OUTBOX_TABLE,
): new () => MigrationInterface {
  return class CreateReliableKafkaOutboxTable1764400000000 implements MigrationInterface {
    name = `CreateReliableKafkaOutboxTable1764400000000`;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.createTable(
        outboxTable(tableName, queryRunner.connection.options.type),
        true,
      );
      await queryRunner.createIndex(tableName, outboxPendingIndex(tableName));
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.dropTable(tableName, true);
    }
  };
}

/** The migration for the default table name. */
export const CreateReliableKafkaOutboxTable1764400000000 = createOutboxTableMigration();
