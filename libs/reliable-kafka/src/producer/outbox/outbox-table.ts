import { Table, TableIndex } from 'typeorm';

/**
 * The outbox table. `id` is an auto-increment key: the relay publishes in id order, which is the
 * order rows of one key were written by one writer. Column names avoid reserved words (`key`).
 * Payloads are stored as text (`payload_encoding` says whether it is utf8 or base64 of bytes); keys
 * and headers as outbox-key-headers.ts says, byte for byte.
 */
export function outboxTable(tableName: string, dialect: string): Table {
  const sqlite = dialect === 'better-sqlite3' || dialect === 'sqlite';
  return new Table({
    name: tableName,
    columns: [
      {
        name: 'id',
        type: sqlite ? 'integer' : 'bigint',
        isPrimary: true,
        isGenerated: true,
        generationStrategy: 'increment',
      },
      { name: 'topic', type: 'varchar', length: '249' },
      { name: 'message_key', type: 'text', isNullable: true },
      { name: 'payload', type: 'text', isNullable: true },
      { name: 'payload_encoding', type: 'varchar', length: '8' },
      { name: 'headers', type: 'text' },
      { name: 'idempotency_key', type: 'varchar', length: '255' },
      { name: 'message_id', type: 'varchar', length: '64' },
      { name: 'created_at', type: 'bigint' },
      { name: 'sent_at', type: 'bigint', isNullable: true },
      { name: 'attempts', type: 'int', default: 0 },
      { name: 'last_error', type: 'text', isNullable: true },
    ],
  });
}

/** The relay looks for unsent rows in id order. */
export function outboxPendingIndex(tableName: string): TableIndex {
  const bare = tableName.split('.').pop() as string;
  return new TableIndex({ name: `IDX_${bare}_sent_at_id`, columnNames: ['sent_at', 'id'] });
}
