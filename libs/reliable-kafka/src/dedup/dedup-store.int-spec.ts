import {
  availableDatabaseKinds,
  createTestDatabase,
  type TestDatabase,
} from '../../../../test/support/db/test-database';
import { DedupRetention } from './dedup-retention';
import { createDedupStore, type DedupStore } from './dedup-store';
import { createDedupTableMigration } from './dedup-table.migration';
import type { DedupRecord } from './dedup-record';

const record = (key: string, processedAt = Date.now()): DedupRecord => ({
  handlerId: 'Orders.handle',
  idempotencyKey: key,
  topic: 'orders',
  partition: 3,
  offset: '9007199254740993',
  processedAt,
});

describe.each(availableDatabaseKinds())('DedupStore on %s', (kind) => {
  let db: TestDatabase;
  let store: DedupStore;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const Migration = createDedupTableMigration('rk_dedup');
    const runner = db.dataSource.createQueryRunner();
    await new Migration().up(runner);
    await runner.release();
    store = createDedupStore(db.dataSource, 'rk_dedup');
  });
  afterAll(() => db?.drop());

  const count = async (key: string): Promise<number> => {
    const rows = await db.dataSource.query(
      `SELECT COUNT(*) AS n FROM rk_dedup WHERE idempotency_key = ${kind === 'postgres' ? '$1' : '?'}`,
      [key],
    );
    return Number(rows[0].n);
  };

  it('tells a first insert from a duplicate, and keeps the transaction usable after one', async () => {
    const first = await db.dataSource.transaction((m) => store.tryInsert(m, record('k1')));
    const { second, after } = await db.dataSource.transaction(async (m) => {
      const dup = await store.tryInsert(m, record('k1'));
      // The transaction must still accept statements after a conflict.
      const next = await store.tryInsert(m, record('k1-next'));
      return { second: dup, after: next };
    });
    expect([first, second, after]).toEqual([true, false, true]);
    expect(await count('k1')).toBe(1);
    expect(await count('k1-next')).toBe(1);
  });

  it('keys that differ only in letter case, accents or trailing spaces are different keys', async () => {
    // On MySQL/MariaDB the usual collations call these equal: three orders would be one.
    const keys = ['Order-7', 'order-7', 'order-7 ', 'ordér-7', 'orde\u0301r-7'];
    const firsts = [];
    for (const key of keys) {
      firsts.push(await db.dataSource.transaction((m) => store.tryInsert(m, record(key))));
    }
    expect(firsts).toEqual(keys.map(() => true));
    const again = await db.dataSource.transaction((m) =>
      store.tryInsertMany(m, {
        handlerId: 'Orders.handle',
        topic: 'orders',
        partition: 3,
        processedAt: Date.now(),
        entries: keys.map((key, i) => ({ idempotencyKey: key, offset: String(i) })),
      }),
    );
    expect([...again]).toEqual([]);
    for (const key of keys) expect(await count(key)).toBe(1);
  });

  it('many at once: returns the keys inserted, a repeated or existing key once, any characters kept', async () => {
    const awkward = [
      'm "quoted"',
      'm back\\slash',
      'm,comma',
      'm {braces}',
      'NULL',
      'm ünï €',
      ' m spaced ',
    ];
    await db.dataSource.transaction((m) => store.tryInsert(m, record('m-existing')));
    const processedAt = Date.now();
    const inserted = await db.dataSource.transaction((m) =>
      store.tryInsertMany(m, {
        handlerId: 'Orders.handle',
        topic: 'orders',
        partition: 3,
        processedAt,
        entries: [...awkward, 'm-existing', awkward[0]].map((key, i) => ({
          idempotencyKey: key,
          offset: String(9007199254740993n + BigInt(i)),
        })),
      }),
    );
    expect([...inserted].sort()).toEqual([...awkward].sort());
    for (const key of awkward) expect(await count(key)).toBe(1);
    // Each row's offset (beyond 2^53) and the run's handler, topic, partition and time stored exactly
    // (compared in SQL: drivers read bigints as numbers).
    const [row] = await db.dataSource.query(
      `SELECT COUNT(*) AS n FROM rk_dedup WHERE idempotency_key = ${kind === 'postgres' ? '$1' : '?'}
       AND kafka_offset = 9007199254740997 AND handler_id = 'Orders.handle' AND kafka_topic = 'orders'
       AND kafka_partition = 3 AND processed_at = ${kind === 'postgres' ? '$2' : '?'}`,
      ['NULL', processedAt],
    );
    expect(Number(row.n)).toBe(1);
  });

  it('a rolled-back transaction leaves no dedup record, so the key can be processed again', async () => {
    await expect(
      db.dataSource.transaction(async (m) => {
        expect(await store.tryInsert(m, record('k2'))).toBe(true);
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await count('k2')).toBe(0);
    expect(await db.dataSource.transaction((m) => store.tryInsert(m, record('k2')))).toBe(true);
  });

  it('the same key under another handler is not a duplicate', async () => {
    await db.dataSource.transaction((m) => store.tryInsert(m, record('k3')));
    const other = await db.dataSource.transaction((m) =>
      store.tryInsert(m, { ...record('k3'), handlerId: 'Audit.handle' }),
    );
    expect(other).toBe(true);
  });

  if (kind !== 'sqlite') {
    it('two transactions racing on one key: exactly one inserts, whatever the timing', async () => {
      const keys = Array.from({ length: 20 }, (_, i) => `race-${i}`);
      const results = await Promise.all(
        keys.flatMap((key) =>
          [0, 1].map(() => db.dataSource.transaction((m) => store.tryInsert(m, record(key)))),
        ),
      );
      for (let i = 0; i < keys.length; i++) {
        expect([results[2 * i], results[2 * i + 1]].sort()).toEqual([false, true]);
      }
    });

    it('two runs racing on overlapping keys: each key is reported inserted by exactly one of them', async () => {
      // Same order in both runs: the second waits on the first's keys instead of deadlocking.
      const keys = Array.from({ length: 30 }, (_, i) => `run-race-${String(i).padStart(2, '0')}`);
      const run = (entries: string[]) => ({
        handlerId: 'Orders.handle',
        topic: 'orders',
        partition: 3,
        processedAt: Date.now(),
        entries: entries.map((key, i) => ({ idempotencyKey: key, offset: String(i) })),
      });
      const [first, second] = await Promise.all([
        db.dataSource.transaction((m) => store.tryInsertMany(m, run(keys.slice(0, 20)))),
        db.dataSource.transaction((m) => store.tryInsertMany(m, run(keys.slice(10)))),
      ]);
      const both = [...first].filter((key) => second.has(key));
      expect(both).toEqual([]);
      expect([...first, ...second].sort()).toEqual(keys);
    });
  }

  it('deletes expired records in bounded batches and keeps the rest', async () => {
    const old = Date.now() - 10 * 86_400_000;
    await db.dataSource.transaction(async (m) => {
      for (let i = 0; i < 7; i++) await store.tryInsert(m, record(`old-${i}`, old));
      await store.tryInsert(m, record('fresh'));
    });
    const before = Date.now() - 86_400_000;
    expect(await store.deleteExpired(db.dataSource, before, 5)).toBe(5);
    expect(await store.deleteExpired(db.dataSource, before, 5)).toBe(2);
    expect(await store.deleteExpired(db.dataSource, before, 5)).toBe(0);
    expect(await count('fresh')).toBe(1);
  });

  it('retention: one cleanup round deletes every expired record in batches and reports the count', async () => {
    const now = Date.now();
    await db.dataSource.transaction(async (m) => {
      for (let i = 0; i < 5; i++)
        await store.tryInsert(m, record(`expired-${i}`, now - 2 * 3_600_000));
      await store.tryInsert(m, record('recent', now - 60_000));
    });
    const deleted: number[] = [];
    const retention = new DedupRetention(store, db.dataSource, 3_600_000, 60_000, 2, (n) =>
      deleted.push(n),
    );
    expect(await retention.cleanOnce(now)).toBe(5);
    expect(deleted).toEqual([5]);
    expect(await count('recent')).toBe(1);
    expect(await count('expired-0')).toBe(0);
    expect(await retention.cleanOnce(now)).toBe(0);
  });
});
