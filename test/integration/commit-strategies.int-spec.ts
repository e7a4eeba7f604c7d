import { Injectable } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  Ctx,
  DeliveryStats,
  Payload,
  ReliableKafkaContext,
  ReliableKafkaEvents,
} from '@reliable-kafka/nestjs';
import { committedOffsets, createTopic, eventually, produce, uniqueName } from '../support/kafka';
import { applyCredit, type Credit, creditMessage } from '../support/ledger/credit';
import { useLedgerApp } from '../support/ledger/ledger-app';

describe('commit strategies (sqlite)', () => {
  const ledger = useLedgerApp('sqlite');

  function ledgerHandler(topic: string) {
    @Injectable()
    class Ledger {
      @AtLeastOnceHandler(topic)
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        await applyCredit(context.entityManager, credit, context);
      }
    }
    return Ledger;
  }

  const credits = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      creditMessage({ id: uniqueName(`c${i}`), account: 'a', amount: 1 }),
    );

  it('periodic: commits every N records, and the remainder on shutdown', async () => {
    const topic = uniqueName('credits');
    const groupId = uniqueName('g');
    await createTopic(topic);
    const app = await ledger.start({
      groupId,
      providers: [ledgerHandler(topic)],
      options: { commit: { strategy: 'periodic', everyRecords: 5, everyMs: 600_000 } },
    });
    const commits: string[] = [];
    app.get(ReliableKafkaEvents).on('committed', (e) => commits.push(e.offset));
    await produce(topic, credits(12));
    await eventually(() => app.get(DeliveryStats).get().processed === 12, '12 processed');

    expect(commits).toEqual(['5', '10']);
    expect((await committedOffsets(groupId, topic))[0]).toBe('10');
    await ledger.close();
    expect((await committedOffsets(groupId, topic))[0]).toBe('12');
  });

  it('batch: one commit per fetched batch, at its last finished record', async () => {
    const topic = uniqueName('credits');
    const groupId = uniqueName('g');
    await createTopic(topic);
    await produce(topic, credits(20));
    const app = await ledger.start({
      groupId,
      providers: [ledgerHandler(topic)],
      options: { commit: { strategy: 'batch' } },
    });
    const commits: string[] = [];
    app.get(ReliableKafkaEvents).on('committed', (e) => commits.push(e.offset));
    await eventually(
      async () => (await committedOffsets(groupId, topic))[0] === '20',
      'all committed',
    );
    // The 20 records were fetched in far fewer batches than records, each committed once.
    expect(commits.length).toBeLessThan(20);
    expect(commits[commits.length - 1]).toBe('20');
  });

  it('record: one commit per record, in order', async () => {
    const topic = uniqueName('credits');
    const groupId = uniqueName('g');
    await createTopic(topic);
    const app = await ledger.start({ groupId, providers: [ledgerHandler(topic)] });
    const commits: string[] = [];
    app.get(ReliableKafkaEvents).on('committed', (e) => commits.push(e.offset));
    await produce(topic, credits(6));
    await eventually(() => commits.length === 6, 'six commits');
    expect(commits).toEqual(['1', '2', '3', '4', '5', '6']);
  });
});
