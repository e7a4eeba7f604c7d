import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/**
 * The record key of a dead letter is kept as base64 of its bytes, as its value is: a key is bytes,
 * and one with a NUL (or longer than 255) failed the text insert, so that dead letter never reached
 * `GET /dead-letters`.
 */
export class DeadLetterKeyBytes1764600000000 implements MigrationInterface {
  name = 'DeadLetterKeyBytes1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('dead_letters', 'messageKey');
    await queryRunner.addColumn(
      'dead_letters',
      new TableColumn({ name: 'messageKeyBase64', type: 'text', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('dead_letters', 'messageKeyBase64');
    await queryRunner.addColumn(
      'dead_letters',
      new TableColumn({ name: 'messageKey', type: 'varchar', length: '255', isNullable: true }),
    );
  }
}
