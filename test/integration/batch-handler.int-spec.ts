import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  AtLeastOnceBatchHandler,
  Ctx,
  DeliveryStats,
  Idempotent,
  NonRetriableError,
  Payload,
  ReliableKafkaBatchContext,
  ReliableKafkaConfigurationError,
  ReliableKafkaEvents,
} from '@reliable-kafka/nestjs';
import { availableDatabaseKinds } from '../support/db/test-database';
import {
  committedCount,
  committedOffsets,
  createTopic,
  eventually,
  groupLag,
  produce,
  readAll,
  uniqueName,
} from '../support/kafka';
import { type Credit, creditMessage } from '../support/ledger/credit';
import { useLedgerApp } from '../support/ledger/ledger-app';
import { LedgerAccount, LedgerEntry } from '../support/ledger/ledger.entities';

/** What each call of a batch handler was given. */
interface Call {
  keys: string[];
  attempt: number;
}

/**
 * The batch handler's body: one set-based UPDATE for every account of the batch, one multi-row
 * INSERT of the entries. Amounts are integers the test made, so they are written as literals.
 */
async function applyCredits(
  manager: EntityManager,
  credits: Credit[],
  batch: ReliableKafkaBatchContext,
): Promise<void> {
  const sums = new Map<string, number>();
  for (const c of credits) {
    if (!Number.isInteger(c.amount))
      throw new NonRetriableError(`amount ${c.amount} is not an integer`);
    sums.set(c.account, (sums.get(c.account) ?? 0) + c.amount);
  }
  const postgres = manager.connection.options.type === 'postgres';
  const param = (n: number) => (postgres ? `$${n}` : '?');
  const ids = [...sums.keys()];
  const cases = ids.map((_, i) => `WHEN ${param(i + 1)} THEN ${sums.get(ids[i])}`).join(' ');
  const inList = ids.map((_, i) => param(ids.length + i + 1)).join(', ');
  await manager.query(
    `UPDATE ledger_account SET balance = balance + CASE id ${cases} END WHERE id IN (${inList})`,
    [...ids, ...ids],
  );
  await manager.insert(
    LedgerEntry,
    batch.records.map((r, i) => ({
      idempotencyKey: r.idempotencyKey,
      accountId: credits[i].account,
      amount: credits[i].amount,
      partitionNo: r.partition,
      offsetValue: r.offset,
    })),
  );
}

describe.each(availableDatabaseKinds())('batch handler on %s', (kind) => {
  const ledger = useLedgerApp(kind);

  async function openAccounts(prefix: string, n: number): Promise<string[]> {
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-acct-${i}`);
    await ledger.db.dataSource
      .getRepository(LedgerAccount)
      .insert(ids.map((id) => ({ id, balance: 0 })));
    return ids;
  }

  async function balanceSum(prefix: string): Promise<number> {
    const accounts = await ledger.db.dataSource.getRepository(LedgerAccount).find();
    return accounts.filter((a) => a.id.startsWith(prefix)).reduce((sum, a) => sum + a.balance, 0);
  }

  async function entriesPerKey(prefix: string): Promise<Map<string, number>> {
    const entries = await ledger.db.dataSource.getRepository(LedgerEntry).find();
    const counts = new Map<string, number>();
    for (const e of entries.filter((e) => e.idempotencyKey.startsWith(prefix))) {
      counts.set(e.idempotencyKey, (counts.get(e.idempotencyKey) ?? 0) + 1);
    }
    return counts;
  }

  async function dedupRows(handlerId: string): Promise<number> {
    const [row] = await ledger.db.dataSource.query(
      `SELECT COUNT(*) AS n FROM reliable_kafka_dedup WHERE handler_id = ${kind === 'postgres' ? '$1' : '?'}`,
      [handlerId],
    );
    return Number(row.n);
  }

  it('applies keyed messages with one set-based UPDATE per call; repeats within a call and a resent share are absorbed', async () => {
    const topic = uniqueName('credits');
    const groupId = uniqueName('g');
    await createTopic(topic, 2);
    const prefix = uniqueName('b');
    const accounts = await openAccounts(prefix, 7);
    const calls: Call[] = [];

    @Injectable()
    class Credits {
      @AtLeastOnceBatchHandler({ topics: topic, id: `${prefix}-credits`, maxRecords: 120 })
      @Idempotent((m) => (m.payload as Credit).id)
      async apply(@Payload() credits: Credit[], @Ctx() batch: ReliableKafkaBatchContext) {
        calls.push({ keys: batch.records.map((r) => r.idempotencyKey), attempt: batch.attempt });
        expect(credits.map((c) => c.id)).toEqual(batch.records.map((r) => r.idempotencyKey));
        await applyCredits(batch.entityManager, credits, batch);
      }
    }

    const credits: Credit[] = Array.from({ length: 400 }, (_, i) => ({
      id: `${prefix}-${i}`,
      account: accounts[i % 7],
      amount: 1 + (i % 5),
    }));
    // The first 30 are sent twice in a row: same key, same partition, same fetched batch.
    const first = credits.flatMap((c, i) =>
      i < 30 ? [creditMessage(c), creditMessage(c)] : [creditMessage(c)],
    );
    await produce(topic, first);
    const app = await ledger.start({ groupId, providers: [Credits] });
    await eventually(
      async () => (await groupLag(groupId, topic)) === 0,
      'lag 0 after the first send',
    );
    // A producer resends a share (a retry after a lost acknowledgement): later batches, same keys.
    await produce(
      topic,
      credits.slice(100, 200).map((c) => creditMessage(c)),
    );
    await eventually(async () => (await groupLag(groupId, topic)) === 0, 'lag 0 after the resend');

    const expected = credits.reduce((sum, c) => sum + c.amount, 0);
    expect(await balanceSum(prefix)).toBe(expected);
    const applied = await entriesPerKey(prefix);
    expect(credits.filter((c) => applied.get(c.id) !== 1).map((c) => c.id)).toEqual([]);
    expect(await dedupRows(`${prefix}-credits`)).toBe(400);
    // Each key was passed once, in far fewer calls than records, and never twice within a call.
    const passed = calls.flatMap((c) => c.keys);
    expect(passed.length).toBe(400);
    expect(new Set(passed).size).toBe(400);
    expect(calls.length).toBeLessThan(40);
    expect(calls.every((c) => c.keys.length <= 120 && c.attempt === 1)).toBe(true);
    expect(app.get(DeliveryStats).get()).toMatchObject({
      processed: 400,
      duplicates: 130,
      deadLettered: 0,
      retries: 0,
    });
    // A partition may have got none of the seven accounts, and so no commit.
    expect(await committedCount(groupId, topic)).toBe(530);
  });

  it('a poison record in a chunk is dead-lettered alone; the rest are applied once', async () => {
    const topic = uniqueName('credits');
    const groupId = uniqueName('g');
    await createTopic(topic, 1);
    const prefix = uniqueName('p');
    const accounts = await openAccounts(prefix, 4);
    const calls: Call[] = [];

    @Injectable()
    class Credits {
      @AtLeastOnceBatchHandler({
        topics: topic,
        maxRecords: 50,
        retry: { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 20 } },
      })
      @Idempotent((m) => (m.payload as Credit).id)
      async apply(@Payload() credits: Credit[], @Ctx() batch: ReliableKafkaBatchContext) {
        calls.push({ keys: batch.records.map((r) => r.idempotencyKey), attempt: batch.attempt });
        await applyCredits(batch.entityManager, credits, batch);
      }
    }

    const credits: Credit[] = Array.from({ length: 200 }, (_, i) => ({
      id: `${prefix}-${i}`,
      account: accounts[i % 4],
      amount: i === 77 ? 1.5 : 3,
    }));
    const messages = credits.map((c) => creditMessage(c));
    // A record whose bytes are not JSON, in another chunk: it never reaches the handler.
    messages.splice(160, 0, {
      key: accounts[0],
      value: '{not json',
      headers: { 'idempotency-key': `${prefix}-garbled` },
      partition: undefined,
    });
    await produce(topic, messages);
    const app = await ledger.start({ groupId, providers: [Credits] });
    await eventually(async () => (await groupLag(groupId, topic)) === 0, 'lag 0');

    const good = credits.filter((c) => c.id !== `${prefix}-77`);
    expect(await balanceSum(prefix)).toBe(good.length * 3);
    const applied = await entriesPerKey(prefix);
    expect(good.filter((c) => applied.get(c.id) !== 1).map((c) => c.id)).toEqual([]);
    expect(applied.has(`${prefix}-77`)).toBe(false);
    const dead = await readAll(`${topic}.dlq`, 2);
    expect(dead.map((d) => d.headers['idempotency-key']).sort()).toEqual(
      [`${prefix}-77`, `${prefix}-garbled`].sort(),
    );
    expect(app.get(DeliveryStats).get()).toMatchObject({ processed: 199, deadLettered: 2 });
    // The chunks holding a bad record were redone one record per call.
    expect(calls.some((c) => c.keys.length === 1 && c.keys[0] === `${prefix}-77`)).toBe(true);
    expect(calls.some((c) => c.keys.length > 1 && c.keys.includes(`${prefix}-77`))).toBe(true);
    expect((await committedOffsets(groupId, topic))[0]).toBe('201');
  });

  it('a transient error is retried: the chunk is redone record by record, the failing one on its next attempt', async () => {
    const topic = uniqueName('credits');
    const groupId = uniqueName('g');
    await createTopic(topic, 1);
    const prefix = uniqueName('t');
    const accounts = await openAccounts(prefix, 3);
    const flaky = `${prefix}-42`;
    let failuresLeft = 2; // the chunk's call, then the record's first call alone
    const calls: Call[] = [];

    @Injectable()
    class Credits {
      @AtLeastOnceBatchHandler({ topics: topic, maxRecords: 100 })
      @Idempotent()
      async apply(@Payload() credits: Credit[], @Ctx() batch: ReliableKafkaBatchContext) {
        calls.push({ keys: batch.records.map((r) => r.idempotencyKey), attempt: batch.attempt });
        await applyCredits(batch.entityManager, credits, batch);
        if (credits.some((c) => c.id === flaky) && failuresLeft-- > 0)
          throw new Error('deadlock detected (simulated)');
      }
    }

    const credits: Credit[] = Array.from({ length: 120 }, (_, i) => ({
      id: `${prefix}-${i}`,
      account: accounts[i % 3],
      amount: 2,
    }));
    await produce(
      topic,
      credits.map((c) => creditMessage(c)),
    );
    const app = await ledger.start({ groupId, providers: [Credits] });
    await eventually(async () => (await groupLag(groupId, topic)) === 0, 'lag 0');

    expect(await balanceSum(prefix)).toBe(240);
    const applied = await entriesPerKey(prefix);
    expect(credits.filter((c) => applied.get(c.id) !== 1).map((c) => c.id)).toEqual([]);
    expect(app.get(DeliveryStats).get()).toMatchObject({
      processed: 120,
      retries: 1,
      deadLettered: 0,
    });
    expect(
      calls.filter((c) => c.keys.length === 1 && c.keys[0] === flaky).map((c) => c.attempt),
    ).toEqual([1, 2]);
    expect((await committedOffsets(groupId, topic))[0]).toBe('120');
  });

  it("each record's processed event (the handler-duration sample) reports the time of its whole call", async () => {
    const topic = uniqueName('credits');
    await createTopic(topic, 1);
    const prefix = uniqueName('d');
    const accounts = await openAccounts(prefix, 2);
    const callMs = 60;

    const durations: number[] = [];

    @Injectable()
    class Credits {
      constructor(events: ReliableKafkaEvents) {
        events.on('processed', (e) => durations.push(e.durationMs));
      }

      @AtLeastOnceBatchHandler({ topics: topic, maxRecords: 10 })
      @Idempotent()
      async apply(@Payload() credits: Credit[], @Ctx() batch: ReliableKafkaBatchContext) {
        await new Promise((resolve) => setTimeout(resolve, callMs));
        await applyCredits(batch.entityManager, credits, batch);
      }
    }

    const credits: Credit[] = Array.from({ length: 30 }, (_, i) => ({
      id: `${prefix}-${i}`,
      account: accounts[i % 2],
      amount: 1,
    }));
    await produce(
      topic,
      credits.map((c) => creditMessage(c)),
    );
    const app = await ledger.start({ groupId: uniqueName('g'), providers: [Credits] });
    await eventually(() => app.get(DeliveryStats).get().processed === 30, '30 processed');

    // Not the call's time shared out among its records (60 ms / 10 records = 6 ms each).
    expect(durations).toHaveLength(30);
    expect(durations.filter((ms) => ms < callMs)).toEqual([]);
  });

  it('a bad maxRecords fails at bootstrap, naming the setting', async () => {
    @Injectable()
    class Credits {
      @AtLeastOnceBatchHandler({ topics: uniqueName('credits'), maxRecords: 0 })
      @Idempotent()
      async apply() {}
    }
    const started = ledger.start({ providers: [Credits] });
    await expect(started).rejects.toThrow(ReliableKafkaConfigurationError);
    await expect(started).rejects.toThrow(
      /@AtLeastOnceBatchHandler on Credits\.apply: maxRecords.*positive integer/,
    );
  });
});

describe('batch handler parameters (postgres)', () => {
  const ledger = useLedgerApp('postgres');

  it("@Payload('field') gives that field of each record passed, duplicates left out", async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);
    const calls: Array<{ amounts: unknown; ids: string[] }> = [];

    @Injectable()
    class Credits {
      @AtLeastOnceBatchHandler({ topics: topic })
      @Idempotent((m) => (m.payload as Credit).id)
      async apply(@Payload('amount') amounts: number[], @Payload() credits: Credit[]) {
        calls.push({ amounts, ids: credits.map((c) => c.id) });
      }
    }

    const app = await ledger.start({ providers: [Credits] });
    const credits = [
      { id: 'p-1', account: 'a', amount: 5 },
      { id: 'p-2', account: 'a', amount: 7 },
      { id: 'p-1', account: 'a', amount: 5 }, // a resend: skipped
      { id: 'p-3', account: 'b', amount: 11 },
    ];
    await produce(
      topic,
      credits.map((c) => creditMessage(c)),
    );
    const stats = app.get(DeliveryStats);
    await eventually(
      () => stats.get().processed + stats.get().duplicates === 4,
      'all four delivered',
    );

    expect(stats.get()).toMatchObject({ processed: 3, duplicates: 1 });
    expect(calls.flatMap((c) => c.ids)).toEqual(['p-1', 'p-2', 'p-3']);
    expect(calls.flatMap((c) => c.amounts as number[])).toEqual([5, 7, 11]);
  });
});
