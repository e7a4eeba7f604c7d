import { Injectable } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  Ctx,
  Payload,
  ReliableKafkaContext,
  ReliableKafkaEvents,
} from '@reliable-kafka/nestjs';
import type { TestDatabase } from '../support/db/test-database';
import {
  brokers,
  createTopic,
  eventually,
  groupLag,
  produce,
  sleep,
  uniqueName,
} from '../support/kafka';
import { applyCredit, type Credit, creditMessage } from '../support/ledger/credit';
import { createLedgerDatabase } from '../support/ledger/ledger-database';
import { LedgerEntry } from '../support/ledger/ledger.entities';
import { startTestApp } from '../support/test-app';
import type { TestGroupProtocol } from '../support/test-client';

/** What one member saw, by the time it happened. */
interface MemberLog {
  processed: { at: number; partition: number }[];
  revoking: number[];
  assigned: { at: number; partitions: number }[];
}

const TOTAL = 1_500;
const PARTITIONS = 6;

/**
 * A member joins a group of one under each group protocol of Confluent's client. Classic (eager):
 * the first member's partitions are all revoked until the group has reassigned them. Consumer
 * (KIP-848): only the partitions that move are revoked; the others go on. Measured: the records
 * the unaffected member processes between its first revocation and the joining member's first
 * assignment. Invariants 1-3 hold across the change under both: every record applied once.
 */
describe.each<TestGroupProtocol>(['classic', 'consumer'])(
  'a member joining mid-stream, Confluent client, %s group protocol (postgres)',
  (protocol) => {
    let db: TestDatabase;
    const apps: INestApplicationContext[] = [];
    beforeAll(async () => {
      db = await createLedgerDatabase('postgres');
    });
    afterAll(async () => {
      await Promise.all(apps.map((app) => app.close()));
      await db?.drop();
    });

    it('applies every record once; the unaffected member goes on only under KIP-848', async () => {
      const topic = uniqueName('credits');
      const groupId = uniqueName('ledger');
      await createTopic(topic, PARTITIONS);
      const credits: Credit[] = Array.from({ length: TOTAL }, (_, i) => ({
        id: `c-${i}`,
        account: `acct-${i % 60}`,
        amount: 1,
      }));
      await produce(
        topic,
        credits.map((c) => creditMessage(c)),
      );

      const start = async (log: MemberLog) => {
        const app = await startTestApp({
          db,
          groupId,
          providers: memberProviders(topic, log),
          options: {
            client: {
              library: 'confluent',
              brokers: brokers(),
              clientId: uniqueName('member'),
              consumer: { groupProtocol: protocol },
            },
            consumer: {
              groupId,
              ...(protocol === 'classic' && { heartbeatInterval: 500, sessionTimeout: 10_000 }),
            },
          },
        });
        apps.push(app);
      };
      const first: MemberLog = { processed: [], revoking: [], assigned: [] };
      const joining: MemberLog = { processed: [], revoking: [], assigned: [] };
      await start(first);
      await eventually(() => first.processed.length >= 150, 'the first member under way', 60_000);
      await start(joining);
      const entries = db.dataSource.getRepository(LedgerEntry);
      await eventually(async () => (await entries.count()) >= TOTAL, 'all applied', 180_000);
      await eventually(async () => (await groupLag(groupId, topic)) === 0, 'group lag 0', 60_000);

      const revokedAt = first.revoking[0];
      const joinedAt = joining.assigned.find((a) => a.partitions > 0)?.at;
      expect(revokedAt).toBeDefined();
      expect(joinedAt).toBeDefined();
      const during = first.processed.filter((p) => p.at >= revokedAt && p.at <= joinedAt!);
      console.log(
        `[group protocols] ${protocol}: the first member processed ${during.length} records ` +
          `in the ${joinedAt! - revokedAt} ms from its first revocation to the joining member's ` +
          `assignment (${new Set(during.map((p) => p.partition)).size} partitions); ` +
          `the joining member processed ${joining.processed.length} of ${TOTAL}`,
      );
      if (protocol === 'consumer') expect(during.length).toBeGreaterThan(0);
      else expect(during).toEqual([]);
      expect(joining.processed.length).toBeGreaterThan(0);

      const rows: { idempotencyKey: string; n: string }[] = await entries
        .createQueryBuilder('e')
        .select('e.idempotencyKey', 'idempotencyKey')
        .addSelect('COUNT(*)', 'n')
        .groupBy('e.idempotencyKey')
        .getRawMany();
      const applied = new Map(rows.map((r) => [r.idempotencyKey, Number(r.n)]));
      const lost = credits.filter((c) => !applied.has(c.id)).map((c) => c.id);
      const twice = [...applied].filter(([, n]) => n > 1).map(([key]) => key);
      expect({ lost, twice, applied: applied.size }).toEqual({
        lost: [],
        twice: [],
        applied: TOTAL,
      });
    });
  },
);

/** A member's ledger handler (a few ms a record, so a backlog lasts) and its event log. */
function memberProviders(topic: string, log: MemberLog) {
  @Injectable()
  class Ledger {
    @AtLeastOnceHandler(topic)
    async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
      await sleep(4);
      await applyCredit(context.entityManager, credit, context);
    }
  }

  @Injectable()
  class MemberRecorder {
    constructor(events: ReliableKafkaEvents) {
      events.on('processed', ({ record }) =>
        log.processed.push({ at: Date.now(), partition: record.partition }),
      );
      events.on('revoking', () => log.revoking.push(Date.now()));
      events.on('rebalanced', ({ assignment }) =>
        log.assigned.push({
          at: Date.now(),
          partitions: Object.values(assignment).reduce((n, list) => n + list.length, 0),
        }),
      );
    }
  }
  return [Ledger, MemberRecorder];
}
