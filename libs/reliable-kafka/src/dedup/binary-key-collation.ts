import type { QueryRunner } from 'typeorm';

/**
 * The collation of the key columns on MySQL/MariaDB, where text compares by collation: the usual
 * defaults (`utf8mb4_general_ci`, `utf8mb4_unicode_ci`) ignore letter case, accents and trailing
 * spaces, so `Order-7`, `order-7` and `order-7 ` would be one key and all but the first skipped as
 * duplicates. A binary collation without padding compares the bytes, as PostgreSQL and SQLite do.
 * `undefined` on the other databases.
 */
export async function binaryKeyCollation(queryRunner: QueryRunner): Promise<string | undefined> {
  const type = queryRunner.connection.options.type;
  if (type !== 'mysql' && type !== 'mariadb') return undefined;
  const [{ version }] = (await queryRunner.query('SELECT VERSION() AS version')) as Array<{
    version: string;
  }>;
  if (/mariadb/i.test(version)) return 'utf8mb4_nopad_bin';
  // MySQL 8; 5.7 has no binary collation without padding (trailing spaces still compare equal).
  return /^5\./.test(version) ? 'utf8mb4_bin' : 'utf8mb4_0900_bin';
}
