import { Injectable } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  Ctx,
  DeliveryStats,
  Idempotent,
  NonRetriableError,
  Payload,
  ReliableKafkaContext,
  ReliableKafkaEvents,
} from '@reliable-kafka/nestjs';
import { availableDatabaseKinds } from '../support/db/test-database';
import {
  committedOffsets,
  createTopic,
  eventually,
  groupLag,
  produce,
  readAll,
  uniqueName,
} from '../support/kafka';
import { applyCredit, type Credit, creditMessage } from '../support/ledger/credit';
import { useLedgerApp } from '../support/ledger/ledger-app';
import { LedgerAccount, LedgerEntry } from '../support/ledger/ledger.entities';

const byKeyWithQuickRetry = {
  processing: { mode: 'key-concurrency', maxConcurrency: 8 },
  retry: { backoff: { type: 'fixed', delayMs: 50 } },
} as const;

describe.each(availableDatabaseKinds().filter((k) => k !== 'mariadb'))(
  'processing modes on %s',
  (kind) => {
    const ledger = useLedgerApp(kind);

    async function appliedCounts(): Promise<Map<string, number>> {
      const rows: { k: string; n: string }[] = await ledger.db.dataSource
        .getRepository(LedgerEntry)
        .createQueryBuilder('e')
        .select('e.idempotencyKey', 'k')
        .addSelect('COUNT(*)', 'n')
        .groupBy('e.idempotencyKey')
        .getRawMany();
      return new Map(rows.map((r) => [r.k, Number(r.n)]));
    }

    it('key-concurrency: keys in order, each effect once, offsets contiguous, across a retry', async () => {
      const topic = uniqueName('credits');
      const groupId = uniqueName('g');
      await createTopic(topic, 1);
      const prefix = uniqueName('k');
      const seen = new Map<string, number[]>();
      let failOnce = true;

      @Injectable()
      class ByKey {
        @AtLeastOnceHandler({ topics: topic, ...byKeyWithQuickRetry })
        @Idempotent((m) => (m.payload as Credit).id)
        async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
          await applyCredit(context.entityManager, credit, context);
          if (credit.seq === 10 && credit.account.endsWith('-3') && failOnce) {
            failOnce = false;
            throw new Error('transient');
          }
          seen.set(credit.account, [...(seen.get(credit.account) ?? []), credit.seq ?? -1]);
        }
      }

      const credits: Credit[] = Array.from({ length: 400 }, (_, i) => ({
        id: `${prefix}-${i}`,
        account: `${prefix}-acct-${i % 8}`,
        amount: 1,
        seq: Math.floor(i / 8),
      }));
      await produce(
        topic,
        credits.map((c) => creditMessage(c)),
      );
      const app = await ledger.start({ groupId, providers: [ByKey] });
      await eventually(async () => (await groupLag(groupId, topic)) === 0, 'lag 0');

      const applied = await appliedCounts();
      const wrong = credits
        .filter((c) => applied.get(c.id) !== 1)
        .map((c) => `${c.id}:${applied.get(c.id) ?? 0}`);
      expect(wrong).toEqual([]);
      for (const [account, seqs] of seen) {
        expect({ account, ordered: seqs.every((s, i) => i === 0 || s > seqs[i - 1]) }).toEqual({
          account,
          ordered: true,
        });
      }
      expect(app.get(DeliveryStats).get().retries).toBe(1);
      expect((await committedOffsets(groupId, topic))[0]).toBe('400');
    });

    // Needs records finishing while another's transaction is open: SQLite runs one transaction at a time.
    if (kind === 'postgres') {
      it('key-concurrency: records that finished past a retried one are not redone when it is fetched again (no second dead letter)', async () => {
        const topic = uniqueName('credits');
        const groupId = uniqueName('g');
        await createTopic(topic, 1);
        const prefix = uniqueName('a');
        let slowFailure = true;
        const order: string[] = [];

        @Injectable()
        class ByKey {
          constructor(events: ReliableKafkaEvents) {
            events.on('dead-lettered', () => order.push('dead-lettered'));
            events.on('retry', () => order.push('retry'));
          }

          @AtLeastOnceHandler({ topics: topic, ...byKeyWithQuickRetry })
          @Idempotent((m) => (m.payload as Credit).id)
          async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
            if (credit.id === `${prefix}-poison`) throw new NonRetriableError('poison');
            if (credit.id === `${prefix}-5` && slowFailure) {
              // Fails once, late: records of other keys after it finish meanwhile, the poison among them.
              slowFailure = false;
              await new Promise((resolve) => setTimeout(resolve, 1_000));
              throw new Error('transient');
            }
            await applyCredit(context.entityManager, credit, context);
          }
        }

        const credits: Credit[] = Array.from({ length: 60 }, (_, i) => ({
          id: i === 12 ? `${prefix}-poison` : `${prefix}-${i}`,
          account: `${prefix}-acct-${i % 10}`,
          amount: 1,
        }));
        await produce(
          topic,
          credits.map((c) => creditMessage(c)),
        );
        const app = await ledger.start({ groupId, providers: [ByKey] });
        await eventually(async () => (await groupLag(groupId, topic)) === 0, 'lag 0');

        // The case under test: the poison was dead-lettered before the late failure sent the partition back.
        expect(order).toEqual(['dead-lettered', 'retry']);
        const applied = await appliedCounts();
        const good = credits.filter((c) => c.id !== `${prefix}-poison`);
        expect(good.filter((c) => applied.get(c.id) !== 1).map((c) => c.id)).toEqual([]);
        expect(await readAll(`${topic}.dlq`, 1)).toHaveLength(1);
        // Fetched again from the retried record, the ones that had finished are recognised, not redone.
        expect(app.get(DeliveryStats).get()).toMatchObject({
          processed: 59,
          duplicates: 0,
          deadLettered: 1,
          retries: 1,
        });
      });
    }

    it('batch-transaction: one bad record is dead-lettered alone; the rest applied once, repeats within a batch skipped', async () => {
      const topic = uniqueName('credits');
      const groupId = uniqueName('g');
      await createTopic(topic, 2);
      const prefix = uniqueName('b');
      let invocations = 0;

      @Injectable()
      class Batched {
        @AtLeastOnceHandler({
          topics: topic,
          processing: { mode: 'batch-transaction', maxRecords: 50 },
          retry: { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 20 } },
        })
        @Idempotent((m) => (m.payload as Credit).id)
        async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
          invocations++;
          if (credit.amount < 0) throw new Error('negative credit');
          await applyCredit(context.entityManager, credit, context);
        }
      }

      const credits: Credit[] = Array.from({ length: 300 }, (_, i) => ({
        id: `${prefix}-${i}`,
        account: `${prefix}-acct-${i % 6}`,
        amount: i === 123 ? -1 : 2,
      }));
      // The first 20 are resent right after themselves: same key, same partition, same batch.
      const messages = credits.flatMap((c, i) =>
        i < 20 ? [creditMessage(c), creditMessage(c)] : [creditMessage(c)],
      );
      await produce(topic, messages);
      const app = await ledger.start({ groupId, providers: [Batched] });
      await eventually(async () => (await groupLag(groupId, topic)) === 0, 'lag 0');

      const applied = await appliedCounts();
      const wrong = credits
        .filter((c) => applied.get(c.id) !== (c.amount < 0 ? undefined : 1))
        .map((c) => c.id);
      expect(wrong).toEqual([]);
      const stats = app.get(DeliveryStats).get();
      expect(stats).toMatchObject({ processed: 299, duplicates: 20, deadLettered: 1 });
      const balances = await ledger.db.dataSource.getRepository(LedgerAccount).find();
      expect(
        balances.filter((b) => b.id.startsWith(prefix)).reduce((sum, b) => sum + b.balance, 0),
      ).toBe(299 * 2);
      const dead = await readAll(`${topic}.dlq`, 1);
      expect(dead.map((d) => d.headers['idempotency-key'])).toEqual([`${prefix}-123`]);
      // The batch holding the bad record ran once together (rolled back), then record by record.
      expect(invocations).toBeGreaterThan(300);
    });
  },
);
