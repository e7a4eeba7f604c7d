import { Injectable } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  Ctx,
  DeadLetterHeaders,
  DeliveryStats,
  Idempotent,
  Payload,
  ReliableKafkaContext,
} from '@reliable-kafka/nestjs';
import { createTopic, eventually, groupLag, produce, readAll, uniqueName } from '../support/kafka';
import { applyCredit, type Credit, creditMessage } from '../support/ledger/credit';
import { useLedgerApp } from '../support/ledger/ledger-app';
import { LedgerEntry } from '../support/ledger/ledger.entities';

describe('non-blocking retry topics (postgres)', () => {
  const ledger = useLedgerApp('postgres');

  it('moves failing records through <topic>.retry.<n> while the partition goes on, then applies once or dead-letters', async () => {
    const topic = uniqueName('credits');
    const groupId = uniqueName('g');
    await createTopic(topic, 1);
    const order: string[] = [];
    const attemptsOf = new Map<string, number[]>();

    @Injectable()
    class Ledger {
      @AtLeastOnceHandler({ topics: topic, retry: { topics: { delaysMs: [300, 600] } } })
      @Idempotent((m) => (m.payload as Credit).id)
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        attemptsOf.set(credit.id, [...(attemptsOf.get(credit.id) ?? []), context.attempt]);
        await applyCredit(context.entityManager, credit, context);
        if (credit.id.endsWith('flaky') && context.attempt < 3)
          throw new Error(`flaky ${context.attempt}`);
        if (credit.id.endsWith('broken')) throw new Error('always broken');
        order.push(credit.id);
      }
    }

    const app = await ledger.start({ groupId, providers: [Ledger] });
    const p = uniqueName('x');
    const credits = [`${p}-flaky`, `${p}-after-1`, `${p}-broken`, `${p}-after-2`].map((id) => ({
      id,
      account: p,
      amount: 1,
    }));
    await produce(
      topic,
      credits.map((c) => creditMessage(c)),
    );
    const stats = app.get(DeliveryStats);
    await eventually(
      () => stats.get().processed === 3 && stats.get().deadLettered === 1,
      'three applied, one dead-lettered',
    );

    // Non-blocking: the records after the failing ones did not wait for their retries.
    expect(order).toEqual([`${p}-after-1`, `${p}-after-2`, `${p}-flaky`]);
    expect(attemptsOf.get(`${p}-flaky`)).toEqual([1, 2, 3]);
    expect(attemptsOf.get(`${p}-broken`)).toEqual([1, 2, 3]);
    expect(stats.get().retries).toBe(4);

    const entries = ledger.db.dataSource.getRepository(LedgerEntry);
    expect(await entries.countBy({ idempotencyKey: `${p}-flaky` })).toBe(1);
    expect(await entries.countBy({ idempotencyKey: `${p}-broken` })).toBe(0);

    const [dead] = await readAll(`${topic}.dlq`, 1);
    expect(dead.headers).toMatchObject({
      [DeadLetterHeaders.originalTopic]: topic,
      [DeadLetterHeaders.originalOffset]: '2',
      [DeadLetterHeaders.attempts]: '3',
      [DeadLetterHeaders.errorMessage]: 'always broken',
    });
    expect(Object.keys(dead.headers).filter((h) => h.startsWith('retry-'))).toEqual([]);
    for (const t of [topic, `${topic}.retry.1`, `${topic}.retry.2`]) {
      await eventually(async () => (await groupLag(groupId, t)) === 0, `lag 0 on ${t}`);
    }
  });
});
