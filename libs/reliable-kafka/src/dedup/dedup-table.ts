import { Table, TableIndex } from 'typeorm';

/**
 * The dedup table. Its primary key `(handler_id, idempotency_key)` is the unique index that turns a
 * second insert of one key into a conflict. Column names avoid `partition` and `offset`, which are
 * reserved words in MySQL and PostgreSQL.
 */
export function dedupTable(tableName: string, keyCollation?: string): Table {
  // The key columns compare byte for byte: see binaryKeyCollation.
  const exact = keyCollation ? { charset: 'utf8mb4', collation: keyCollation } : {};
  return new Table({
    name: tableName,
    columns: [
      { name: 'handler_id', type: 'varchar', length: '200', isPrimary: true, ...exact },
      { name: 'idempotency_key', type: 'varchar', length: '255', isPrimary: true, ...exact },
      { name: 'kafka_topic', type: 'varchar', length: '249' },
      { name: 'kafka_partition', type: 'int' },
      { name: 'kafka_offset', type: 'bigint' },
      { name: 'processed_at', type: 'bigint' },
    ],
  });
}

/** Retention cleanup scans by age. */
export function dedupProcessedAtIndex(tableName: string): TableIndex {
  const bare = tableName.split('.').pop() as string;
  return new TableIndex({ name: `IDX_${bare}_processed_at`, columnNames: ['processed_at'] });
}
