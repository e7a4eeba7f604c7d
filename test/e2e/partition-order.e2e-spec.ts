import { Injectable } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  Ctx,
  DeliveryStats,
  Idempotent,
  Payload,
  ReliableKafkaContext,
} from '@reliable-kafka/nestjs';
import { useLedgerApp } from '../support/ledger/ledger-app';
import { createTopic, eventually, groupLag, produce, uniqueName } from '../support/kafka';
import { applyCredit, type Credit, creditMessage } from '../support/ledger/credit';

describe('per-partition order (postgres)', () => {
  const ledger = useLedgerApp('postgres');

  it('hands 10,000 messages over 4 partitions to the handler in partition order', async () => {
    const topic = uniqueName('credits');
    const groupId = uniqueName('ledger');
    await createTopic(topic, 4);
    const seen: { partition: number; offset: bigint; account: string; seq: number }[] = [];

    @Injectable()
    class OrderedLedger {
      @AtLeastOnceHandler(topic)
      @Idempotent((m) => (m.payload as Credit).id)
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        seen.push({
          partition: context.partition,
          offset: BigInt(context.offset),
          account: credit.account,
          seq: credit.seq ?? -1,
        });
        await applyCredit(context.entityManager, credit, context);
      }
    }

    const total = 10_000;
    const accounts = 24;
    const credits: Credit[] = Array.from({ length: total }, (_, i) => ({
      id: `o-${i}`,
      account: `acct-${i % accounts}`,
      amount: 1,
      seq: Math.floor(i / accounts),
    }));
    await produce(
      topic,
      credits.map((c) => creditMessage(c)),
    );

    const app = await ledger.start({
      groupId,
      providers: [OrderedLedger],
      options: {
        consumer: { groupId, partitionsConsumedConcurrently: 4 },
        commit: { strategy: 'batch' },
      },
    });
    await eventually(
      () => app.get(DeliveryStats).get().processed === total,
      `${total} processed`,
      240_000,
    );
    await eventually(async () => (await groupLag(groupId, topic)) === 0, 'group lag 0');

    const partitions = new Set(seen.map((s) => s.partition));
    expect(partitions.size).toBe(4);
    const lastOffset = new Map<number, bigint>();
    const lastSeq = new Map<string, number>();
    const outOfOrder: string[] = [];
    for (const s of seen) {
      if ((lastOffset.get(s.partition) ?? -1n) >= s.offset)
        outOfOrder.push(`partition ${s.partition} offset ${s.offset}`);
      if ((lastSeq.get(s.account) ?? -1) >= s.seq) outOfOrder.push(`${s.account} seq ${s.seq}`);
      lastOffset.set(s.partition, s.offset);
      lastSeq.set(s.account, s.seq);
    }
    expect(outOfOrder).toEqual([]);
    expect(seen).toHaveLength(total);
  });
});
