/**
 * A PostgreSQL restart under a running consumer, on a throwaway cluster of this test's own (never
 * the run's shared server). The database is reached through a relay that makes the rare timing of
 * a real restart certain: a connection the pool opens just then gets its ReadyForQuery and the
 * server's "terminating connection due to administrator command" (57P01) in one read. Before the
 * library guarded its DataSource's pool, that error had no listener and ended the process.
 */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  AtLeastOnceHandler,
  Ctx,
  Idempotent,
  Payload,
  type ReliableKafkaContext,
} from '../../libs/reliable-kafka/src';
import {
  removeOwnThrowawayPostgres,
  startOwnThrowawayPostgres,
  startThrowawayPostgresServer,
  stopThrowawayPostgresServer,
} from '../support/db/ensure-databases';
import { PgStartupHoldProxy } from '../support/db/pg-startup-hold-proxy';
import type { TestDatabase } from '../support/db/test-database';
import { createTopic, eventually, produce, uniqueName } from '../support/kafka';
import { AccountHold } from '../support/ledger/account-hold';
import { applyCredit, creditMessage, type Credit } from '../support/ledger/credit';
import { LEDGER_ENTITIES } from '../support/ledger/ledger.entities';
import { startTestApp } from '../support/test-app';
import type { INestApplicationContext } from '@nestjs/common';

describe('PostgreSQL restarted under the consumer (own throwaway cluster)', () => {
  let pg: Awaited<ReturnType<typeof startOwnThrowawayPostgres>>;
  let proxy: PgStartupHoldProxy;
  let dataSource: DataSource;
  let app: INestApplicationContext | undefined;
  const holds: AccountHold[] = [];

  beforeAll(async () => {
    pg = await startOwnThrowawayPostgres('db-restart');
    const url = new URL(pg.url);
    proxy = await PgStartupHoldProxy.start({ host: url.hostname, port: Number(url.port) });
    url.port = String(proxy.port);
    // Configured plainly, as an app would: no pool error handler, no special options.
    dataSource = new DataSource({
      type: 'postgres',
      url: url.toString(),
      entities: LEDGER_ENTITIES,
      synchronize: true,
    });
    await dataSource.initialize();
  }, 120_000);

  afterAll(async () => {
    // First: a credit waiting on the hold would keep the app from closing.
    for (const hold of holds) await hold.release();
    await app?.close();
    await dataSource?.destroy().catch(() => undefined);
    await proxy?.stop();
    if (pg) removeOwnThrowawayPostgres(pg.dataDir);
  });

  /** Restarts the server while the pool is opening connections (held at their ReadyForQuery). */
  async function restartWhileConnecting(): Promise<void> {
    const heldBefore = proxy.held;
    proxy.arm();
    // More queries at once than the pool has idle connections: it opens new ones.
    const opening = Array.from({ length: 10 }, () =>
      dataSource.query('SELECT 1').catch(() => undefined),
    );
    await eventually(() => proxy.held > heldBefore, 'a new connection held at its ReadyForQuery');
    await stopThrowawayPostgresServer(pg.dataDir);
    proxy.disarm();
    await startThrowawayPostgresServer(pg.dataDir);
    await Promise.all(opening);
  }

  it('idle and busy: the process stays up, and every record is applied once afterwards', async () => {
    const topic = uniqueName('pg-restart');
    await createTopic(topic, 2);

    @Injectable()
    class Ledger {
      @AtLeastOnceHandler(topic)
      @Idempotent()
      async credit(@Payload() credit: Credit, @Ctx() ctx: ReliableKafkaContext) {
        await applyCredit(ctx.entityManager, credit, ctx);
      }
    }
    app = await startTestApp({
      db: { dataSource } as TestDatabase,
      providers: [Ledger],
    });

    const credits = Array.from({ length: 200 }, (_, i) => ({
      id: `${topic}-${i}`,
      account: `acct-${i % 7}`,
      amount: 1,
    }));
    // Idle: the consumer waits for records, its pool holds idle connections.
    await restartWhileConnecting();
    // Busy, checked: a credit of acct-0 waits in its transaction on a row lock held (directly on
    // the server) until the restart ends it, so a record is in flight when the server goes.
    const hold = await AccountHold.take(pg.url, 'acct-0');
    holds.push(hold);
    await produce(
      topic,
      credits.slice(0, 100).map((c) => creditMessage(c)),
    );
    const appliedKeys = async () =>
      (
        await dataSource
          .query<{ n: string }[]>('SELECT COUNT(*) AS n FROM ledger_entry')
          .catch(() => [{ n: '0' }])
      )[0].n;
    await eventually(async () => (await hold.waiting()) > 0, 'a credit waiting in its transaction');
    const inFlightAtRestart = await hold.waiting();
    await restartWhileConnecting();
    await hold.release();
    expect(inFlightAtRestart).toBeGreaterThan(0);
    await produce(
      topic,
      credits.slice(100).map((c) => creditMessage(c)),
    );

    await eventually(
      async () => Number(await appliedKeys()) >= credits.length,
      'every record applied',
      120_000,
    );
    const rows = await dataSource.query<{ key: string; n: string }[]>(
      'SELECT "idempotencyKey" AS key, COUNT(*) AS n FROM ledger_entry GROUP BY "idempotencyKey"',
    );
    const applied = new Map(rows.map((r) => [r.key, Number(r.n)]));
    const lost = credits.filter((c) => !applied.has(c.id)).map((c) => c.id);
    const twice = [...applied].filter(([, n]) => n > 1).map(([key]) => key);
    expect({ lost, twice, applied: applied.size }).toEqual({
      lost: [],
      twice: [],
      applied: credits.length,
    });
  }, 240_000);
});
