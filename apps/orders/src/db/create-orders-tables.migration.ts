import { type MigrationInterface, type QueryRunner, Table, type TableColumnOptions } from 'typeorm';

/**
 * The app's own tables (the dedup table has the library's migration). Written with TypeORM's
 * schema API rather than SQL so one migration serves PostgreSQL and SQLite.
 */
export class CreateOrdersTables1764400000000 implements MigrationInterface {
  name = 'CreateOrdersTables1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The type and default that @CreateDateColumn maps to on this dialect (timestamp / datetime).
    const { createDate, createDateDefault } = queryRunner.connection.driver.mappedDataTypes;
    const createdAt = (name: string): TableColumnOptions => ({
      name,
      type: String(createDate),
      default: createDateDefault,
    });
    const text = (name: string, length: number, isNullable = false): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable,
    });

    await queryRunner.createTable(
      new Table({
        name: 'accounts',
        columns: [
          { ...text('id', 64), isPrimary: true },
          { name: 'balance', type: 'int' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'orders',
        columns: [
          { ...text('id', 255), isPrimary: true },
          text('accountId', 64),
          { name: 'amount', type: 'int' },
          createdAt('createdAt'),
        ],
        indices: [{ name: 'IDX_orders_accountId', columnNames: ['accountId'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'dead_letters',
        columns: [
          { ...text('id', 300), isPrimary: true },
          text('originalTopic', 249),
          { name: 'originalPartition', type: 'int' },
          text('originalOffset', 20),
          text('handler', 200, true),
          text('errorClass', 200, true),
          text('errorCode', 100, true),
          { name: 'errorMessage', type: 'text', isNullable: true },
          { name: 'attempts', type: 'int', isNullable: true },
          text('idempotencyKey', 255, true),
          text('messageKey', 255, true),
          { name: 'valueBase64', type: 'text', isNullable: true },
          createdAt('recordedAt'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('dead_letters');
    await queryRunner.dropTable('orders');
    await queryRunner.dropTable('accounts');
  }
}
