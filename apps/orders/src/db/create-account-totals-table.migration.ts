import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** The table of the account-totals batch handler, in a migration of its own (a later addition). */
export class CreateAccountTotalsTable1764500000000 implements MigrationInterface {
  name = 'CreateAccountTotalsTable1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'account_totals',
        columns: [
          { name: 'account_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'order_count', type: 'int' },
          { name: 'amount_total', type: 'int' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('account_totals');
  }
}
