import 'reflect-metadata';
import * as fs from 'node:fs';
import * as mysql from 'mysql2/promise';
import { Client } from 'pg';
import { Column, DataSource, DataSourceOptions, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TEST_DB_ENV } from './ensure-databases';
import { TestDatabase, availableDatabaseKinds, createTestDatabase } from './test-database';

@Entity({ name: 'harness_note' })
class HarnessNote {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  body!: string;
}

jest.setTimeout(60_000);

describe('availableDatabaseKinds', () => {
  it('always offers postgres and sqlite, and mariadb exactly when a server was found', () => {
    const kinds = availableDatabaseKinds();
    expect(kinds).toEqual(expect.arrayContaining(['postgres', 'sqlite']));
    expect(kinds.includes('mariadb')).toBe(Boolean(process.env[TEST_DB_ENV.mysqlUrl]));
  });
});

describe.each(availableDatabaseKinds())('test database on %s', (kind) => {
  let first: TestDatabase;
  let second: TestDatabase;

  beforeAll(async () => {
    first = await createTestDatabase(kind, { entities: [HarnessNote], name: 'harness spec' });
    second = await createTestDatabase(kind, { entities: [HarnessNote] });
  });

  afterAll(async () => {
    await first?.drop();
    await second?.drop();
  });

  const count = (db: TestDatabase, body: string): Promise<number> =>
    db.dataSource.getRepository(HarnessNote).countBy({ body });

  it('commits a row written and read back inside a transaction', async () => {
    const insideId = await first.dataSource.transaction(async (em) => {
      const saved = await em.save(em.create(HarnessNote, { body: 'committed' }));
      const readBack = await em.findOneByOrFail(HarnessNote, { id: saved.id });
      expect(readBack.body).toBe('committed');
      return saved.id;
    });
    const afterCommit = await first.dataSource
      .getRepository(HarnessNote)
      .findOneByOrFail({ id: insideId });
    expect(afterCommit.body).toBe('committed');
  });

  it('leaves no row behind when the transaction rolls back', async () => {
    await expect(
      first.dataSource.transaction(async (em) => {
        await em.save(em.create(HarnessNote, { body: 'rolled back' }));
        // Visible inside the transaction, so the rollback below is what removes it.
        expect(await em.countBy(HarnessNote, { body: 'rolled back' })).toBe(1);
        throw new Error('abort the transaction');
      }),
    ).rejects.toThrow('abort the transaction');
    expect(await count(first, 'rolled back')).toBe(0);
  });

  it('gives every test database its own rows', async () => {
    expect(first.connection.database).not.toBe(second.connection.database);
    await first.dataSource.getRepository(HarnessNote).save({ body: 'only in first' });
    await second.dataSource.getRepository(HarnessNote).save({ body: 'only in second' });
    expect(await count(first, 'only in first')).toBe(1);
    expect(await count(second, 'only in first')).toBe(0);
    expect(await count(second, 'only in second')).toBe(1);
    expect(await count(first, 'only in second')).toBe(0);
  });

  it('hands out JSON-serialisable options that reach the same database', async () => {
    await first.dataSource.getRepository(HarnessNote).save({ body: 'seen through JSON options' });
    const options = JSON.parse(JSON.stringify(first.dataSourceOptions)) as DataSourceOptions;
    expect(options.type).toBe(first.connection.type);
    const other = new DataSource({ ...options, entities: [HarnessNote], synchronize: false });
    await other.initialize();
    try {
      expect(
        await other.getRepository(HarnessNote).countBy({ body: 'seen through JSON options' }),
      ).toBe(1);
    } finally {
      await other.destroy();
    }
  });

  it('drop() deletes the database', async () => {
    const doomed = await createTestDatabase(kind, { entities: [HarnessNote] });
    expect(await databaseExists(doomed)).toBe(true);
    await doomed.drop();
    await doomed.drop(); // idempotent
    expect(doomed.dataSource.isInitialized).toBe(false);
    expect(await databaseExists(doomed)).toBe(false);
  });
});

/** Asks the server (or the file system) directly, not the harness. */
async function databaseExists(db: TestDatabase): Promise<boolean> {
  const name = db.connection.database;
  switch (db.connection.type) {
    case 'postgres': {
      const client = new Client({ connectionString: process.env[TEST_DB_ENV.pgUrl] });
      await client.connect();
      try {
        const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [
          name,
        ]);
        return rowCount === 1;
      } finally {
        await client.end();
      }
    }
    case 'mariadb': {
      const conn = await mysql.createConnection({ uri: process.env[TEST_DB_ENV.mysqlUrl] });
      try {
        const [rows] = await conn.query<mysql.RowDataPacket[]>(
          'select 1 from information_schema.schemata where schema_name = ?',
          [name],
        );
        return rows.length === 1;
      } finally {
        await conn.end();
      }
    }
    case 'better-sqlite3':
      return fs.existsSync(name);
  }
}
