import { Injectable } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  Ctx,
  DeadLetterHandler,
  DeadLetterReplayer,
  DeliveryStats,
  Idempotent,
  type KafkaMessageRecord,
  NonRetriableError,
  Payload,
  readDeadLetterInfo,
  ReliableKafkaContext,
  type DeadLetterInfo,
} from '@reliable-kafka/nestjs';
import {
  createTopic,
  eventually,
  produce,
  readAll,
  type ReadRecord,
  uniqueName,
} from '../support/kafka';
import { applyCredit, type Credit, creditMessage } from '../support/ledger/credit';
import { useLedgerApp } from '../support/ledger/ledger-app';
import { LedgerAccount, LedgerEntry } from '../support/ledger/ledger.entities';

function asRecord(topic: string, read: ReadRecord): KafkaMessageRecord {
  const valued = Object.entries(read.headers).filter(
    (entry): entry is [string, string] => entry[1] !== null,
  );
  const headers = Object.fromEntries(valued);
  const rawHeaders = Object.fromEntries(valued.map(([k, v]) => [k, Buffer.from(v)]));
  return {
    topic,
    partition: read.partition,
    offset: read.offset,
    key: read.key,
    value: read.value,
    headers,
    rawHeaders,
    timestamp: '0',
  };
}

describe('dead-letter handler and replay (postgres)', () => {
  const ledger = useLedgerApp('postgres');

  it('handles each dead-lettered record once, and a replay (even a double one) applies each effect once', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic, 2);
    let ledgerOpen = false;
    const seen: { info: DeadLetterInfo | null; key: string; bytes: Buffer }[] = [];

    @Injectable()
    class Ledger {
      @AtLeastOnceHandler(topic)
      @Idempotent((m) => (m.payload as Credit).id)
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        if (!ledgerOpen) throw new NonRetriableError('ledger closed');
        await applyCredit(context.entityManager, credit, context);
      }
    }

    @Injectable()
    class LedgerDeadLetters {
      @DeadLetterHandler(topic)
      async onDeadLetter(@Payload() bytes: Buffer, @Ctx() context: ReliableKafkaContext) {
        seen.push({ info: readDeadLetterInfo(context.record), key: context.idempotencyKey, bytes });
      }
    }

    const app = await ledger.start({ providers: [Ledger, LedgerDeadLetters] });
    const stats = app.get(DeliveryStats);
    const prefix = uniqueName('r');
    const credits = [0, 1, 2].map((i) => ({
      id: `${prefix}-${i}`,
      account: `${prefix}-a`,
      amount: i + 1,
    }));
    await produce(
      topic,
      credits.map((c) => creditMessage(c)),
    );
    await eventually(() => seen.length === 3, 'three dead letters handled');

    expect(seen.map((s) => s.key).sort()).toEqual(credits.map((c) => c.id));
    expect(seen[0].info).toMatchObject({
      originalTopic: topic,
      errorClass: 'NonRetriableError',
      errorMessage: 'ledger closed',
      attempts: 1,
    });
    expect(JSON.parse(seen[0].bytes.toString())).toHaveProperty('account', `${prefix}-a`);

    // A second copy of a dead letter (a crash after the dead-letter write re-dead-letters it).
    const dead = await readAll(`${topic}.dlq`, 3);
    const copyHeaders = Object.fromEntries(
      Object.entries(dead[0].headers).filter(
        (entry): entry is [string, string] => entry[1] !== null,
      ),
    );
    await produce(`${topic}.dlq`, [
      { key: dead[0].key, value: dead[0].value, headers: copyHeaders },
    ]);
    await eventually(
      () => stats.get('LedgerDeadLetters.onDeadLetter').duplicates === 1,
      'copy absorbed',
    );
    expect(seen).toHaveLength(3);

    // Replay, twice over, once the cause is fixed.
    ledgerOpen = true;
    const replayer = app.get(DeadLetterReplayer);
    for (const record of dead) await replayer.replay(asRecord(`${topic}.dlq`, record));
    for (const record of dead) await replayer.replay(asRecord(`${topic}.dlq`, record));
    await eventually(
      () =>
        stats.get('Ledger.credit').processed === 3 && stats.get('Ledger.credit').duplicates === 3,
      'replays applied once',
    );

    const entries = ledger.db.dataSource.getRepository(LedgerEntry);
    for (const credit of credits)
      expect(await entries.countBy({ idempotencyKey: credit.id })).toBe(1);
  });

  // Keyed by coordinates: the idempotency-key header empty, or the handler's own key header missing.
  it.each([
    { header: 'idempotency-key', sent: { 'idempotency-key': '' } },
    { header: 'x-credit-id', sent: {} },
  ])(
    'keys a record whose $header header is missing or empty by its coordinates, in its dead letter and in a double replay',
    async ({ header, sent }) => {
      const topic = uniqueName('credits');
      await createTopic(topic);
      let ledgerOpen = false;
      const seen: string[] = [];

      @Injectable()
      class HeaderKeyedLedger {
        @AtLeastOnceHandler(topic)
        @Idempotent({ header })
        async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
          if (!ledgerOpen) throw new NonRetriableError('ledger closed');
          await applyCredit(context.entityManager, credit, context);
        }
      }

      @Injectable()
      class HeaderKeyedDeadLetters {
        @DeadLetterHandler(topic)
        async onDeadLetter(@Ctx() context: ReliableKafkaContext) {
          seen.push(context.idempotencyKey);
        }
      }

      const app = await ledger.start({ providers: [HeaderKeyedLedger, HeaderKeyedDeadLetters] });
      const stats = app.get(DeliveryStats);
      const credit = { id: uniqueName('c'), account: uniqueName('acct'), amount: 7 };
      await produce(topic, [{ ...creditMessage(credit), headers: sent }]);
      await eventually(() => seen.length === 1, 'dead letter handled');
      expect(seen).toEqual([`${topic}/0/0`]);

      ledgerOpen = true;
      const [dead] = await readAll(`${topic}.dlq`, 1);
      const replayer = app.get(DeadLetterReplayer);
      await replayer.replay(asRecord(`${topic}.dlq`, dead));
      await replayer.replay(asRecord(`${topic}.dlq`, dead));
      await eventually(
        () =>
          stats.get('HeaderKeyedLedger.credit').processed === 1 &&
          stats.get('HeaderKeyedLedger.credit').duplicates === 1,
        'replays applied once',
      );
      const account = await ledger.db.dataSource
        .getRepository(LedgerAccount)
        .findOneBy({ id: credit.account });
      expect(account?.balance).toBe(7);
    },
  );

  it('a key header that is not UTF-8: dead-lettered, handled once as a dead letter, and a replay carries the same bytes (dead-lettered again, not applied)', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);
    const deadLetters: ReliableKafkaContext[] = [];

    @Injectable()
    class Ledger {
      @AtLeastOnceHandler(topic)
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        await applyCredit(context.entityManager, credit, context);
      }
    }

    @Injectable()
    class LedgerDeadLetters {
      @DeadLetterHandler(topic)
      async onDeadLetter(@Ctx() context: ReliableKafkaContext) {
        deadLetters.push(context);
      }
    }

    const app = await ledger.start({ providers: [Ledger, LedgerDeadLetters] });
    const stats = app.get(DeliveryStats);
    const keyBytes = Buffer.from([0x6b, 0xff]);
    const account = uniqueName('a');
    await produce(topic, [
      {
        key: 'a',
        value: JSON.stringify({ id: 'x', account, amount: 1 }),
        headers: { 'idempotency-key': keyBytes },
      },
    ]);
    await eventually(() => deadLetters.length === 1, 'the dead letter handled');
    // Keyed by where the original arrived: its header keyed nothing.
    expect(deadLetters[0].idempotencyKey).toBe(`${topic}/0/0`);
    expect(readDeadLetterInfo(deadLetters[0].record)?.errorClass).toBe('PayloadDecodeError');

    await app.get(DeadLetterReplayer).replay(deadLetters[0].record);
    // The replay meets the rule the original met: dead-lettered again, and that second dead
    // letter is the same failure, handled once.
    await eventually(
      () => stats.get(`${LedgerDeadLetters.name}.onDeadLetter`).duplicates === 1,
      'the second dead letter skipped as a duplicate',
    );
    expect(stats.get(`${Ledger.name}.credit`)).toMatchObject({ processed: 0, deadLettered: 2 });
    expect(deadLetters).toHaveLength(1);
    expect(
      await ledger.db.dataSource.getRepository(LedgerEntry).countBy({ accountId: account }),
    ).toBe(0);
  });
});
