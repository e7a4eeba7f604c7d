import type { QueryRunner } from 'typeorm';
import { DedupKeyCollationError, type LooseKeyColumn } from '../errors/dedup-key-collation.error';
import { binaryKeyCollation } from './binary-key-collation';

interface KeyColumn {
  column: string;
  type: string;
  nullable: boolean;
  charset: string | null;
  collation: string | null;
}

const KEY_COLUMNS = ['handler_id', 'idempotency_key'];
const NAME = /^\w+$/;

/**
 * MySQL/MariaDB: fails when a key column of the existing dedup table calls different keys equal.
 * Earlier versions created the table with the database's collation, usually one that ignores
 * letter case and trailing spaces; such a table still works, and silently skips a distinct message
 * as a duplicate of another (invariant 7). Nothing to check on PostgreSQL and SQLite.
 */
export async function verifyDedupKeyCollation(
  runner: QueryRunner,
  tableName: string,
): Promise<void> {
  const expected = await binaryKeyCollation(runner);
  if (!expected) return;
  const loose: LooseKeyColumn[] = [];
  const modify: string[] = [];
  for (const column of await keyColumns(runner, tableName)) {
    const ignores = await whatItIgnores(runner, column, expected);
    if (!ignores || column.collation === null) continue;
    loose.push({ column: column.column, collation: column.collation, ignores });
    modify.push(
      `MODIFY \`${column.column}\` ${column.type.toUpperCase()} CHARACTER SET utf8mb4 ` +
        `COLLATE ${expected}${column.nullable ? '' : ' NOT NULL'}`,
    );
  }
  if (loose.length === 0) return;
  const table = tableName
    .split('.')
    .map((part) => `\`${part}\``)
    .join('.');
  throw new DedupKeyCollationError(tableName, loose, `ALTER TABLE ${table} ${modify.join(', ')}`);
}

async function keyColumns(runner: QueryRunner, tableName: string): Promise<KeyColumn[]> {
  const [schema, table] = tableName.includes('.') ? tableName.split('.') : [null, tableName];
  const rows = (await runner.query(
    `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable,
            CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation
     FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND COLUMN_NAME IN (?, ?)
     ORDER BY ORDINAL_POSITION`,
    [schema, table, ...KEY_COLUMNS],
  )) as Array<{
    name: string;
    type: string;
    nullable: string;
    charset: string | null;
    collation: string | null;
  }>;
  return rows.map((r) => ({
    column: r.name,
    type: r.type,
    nullable: r.nullable === 'YES',
    charset: r.charset,
    collation: r.collation,
  }));
}

const NOT_BINARY = 'differences only a binary collation sees';

/** Pairs of different keys, and what a collation that calls them equal ignores. */
const PROBES: Array<[string, string, string]> = [
  ['a', 'A', 'letter case'],
  ['e', '\u00e9', 'accents'],
  ['\u00e9', 'e\u0301', 'how an accent is encoded'],
  ['a', 'a ', 'trailing spaces'],
];

/**
 * What the column's collation ignores, asked of the server itself (MariaDB has no PAD_ATTRIBUTE to
 * read), or `undefined` when it compares byte for byte. A binary string type (VARBINARY) has no
 * collation and compares bytes. The migration's own collation passes as it is: on MySQL 5.7 it
 * still pads, and no better one exists there.
 */
async function whatItIgnores(
  runner: QueryRunner,
  { charset, collation }: KeyColumn,
  expected: string,
): Promise<string | undefined> {
  if (collation === null || collation === expected) return undefined;
  // Names from information_schema, checked anyway before they go into the statement.
  if (!charset || !NAME.test(charset) || !NAME.test(collation)) return NOT_BINARY;
  const equal = `CONVERT(? USING ${charset}) COLLATE ${collation} = CONVERT(? USING ${charset})`;
  const [answers] = (await runner.query(
    `SELECT ${PROBES.map((_, i) => `${equal} AS p${i}`).join(', ')}`,
    PROBES.flatMap(([a, b]) => [a, b]),
  )) as Array<Record<string, number | string>>;
  const ignored = PROBES.filter((_, i) => Number(answers[`p${i}`]) === 1).map(([, , what]) => what);
  const binary = collation === 'binary' || collation.endsWith('_bin');
  if (!binary && ignored.length === 0) ignored.push(NOT_BINARY);
  return ignored.length > 0 ? ignored.join(', ') : undefined;
}
