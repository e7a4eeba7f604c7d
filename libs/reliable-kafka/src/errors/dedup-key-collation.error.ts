import { ReliableKafkaConfigurationError } from './configuration.error';

/** A key column of the dedup table whose collation calls different keys equal. */
export interface LooseKeyColumn {
  column: string;
  /** The collation the column has, e.g. `utf8mb4_unicode_ci`. */
  collation: string;
  /** What it ignores, e.g. `letter case, trailing spaces`. */
  ignores: string;
}

/**
 * MySQL/MariaDB: a key column of an existing dedup table (made by an earlier version, or by hand)
 * compares by a collation that calls different keys equal, so a distinct message would be skipped
 * as a duplicate. Thrown at bootstrap; `alterTable` is the statement that fixes the table.
 */
export class DedupKeyCollationError extends ReliableKafkaConfigurationError {
  override readonly code = 'RK_DEDUP_KEY_COLLATION';

  constructor(
    readonly table: string,
    readonly columns: readonly LooseKeyColumn[],
    readonly alterTable: string,
  ) {
    super(
      'dedup.tableName',
      `the key columns of table "${table}" must compare byte for byte, but ${columns
        .map((c) => `${c.column} has collation ${c.collation} (ignores ${c.ignores})`)
        .join(' and ')}: two different idempotency keys would be one, and the second message ` +
        `skipped as a duplicate. Fix the table with: ${alterTable}`,
    );
  }
}
