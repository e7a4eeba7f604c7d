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

/** What one member saw, with the time it happened. */
class MemberLog {
  readonly processed: { at: number; partition: number }[] = [];
  readonly revoked: { at: number; partitions: number[] }[] = [];
  readonly assigned: { at: number; partitions: number[] }[] = [];

  owns(): number[] {
    return this.assigned[this.assigned.length - 1]?.partitions ?? [];
  }
  processedBetween(from: number, to: number): number {
    return this.processed.filter((p) => p.at >= from && p.at <= to).length;
  }
  /** The member's longest pause between two records it processed within [from, to]. */
  longestPause(from: number, to: number): number {
    const times = [from, ...this.processed.map((p) => p.at).filter((t) => t > from && t < to), to];
    return Math.max(...times.slice(1).map((t, i) => t - times[i]));
  }
}

const TOTAL = 5_000;
const PARTITIONS = 4;

/**
 * Two members consume a backlog; a third joins, then leaves. Under Confluent's client, with each
 * group protocol:
 * - classic (eager): every change revokes every partition of every member, and no member
 *   processes a record between its revocation and its next assignment;
 * - consumer (KIP-848): only the partitions that move are revoked. On the join, the member that
 *   gives nothing up is never revoked; on the leave, neither is, and both go on processing while
 *   the leaving member's partition is handed over.
 * Measured (and printed): the records the unaffected members process during each change, and
 * their longest pause. Invariants 1-3 hold across both changes: every record applied once.
 */
describe.each<TestGroupProtocol>(['classic', 'consumer'])(
  'members joining and leaving mid-stream, Confluent client, %s group protocol (postgres)',
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

    it('applies every record once; only partitions that move are stopped under KIP-848', async () => {
      const topic = uniqueName('credits');
      const groupId = uniqueName('ledger');
      await createTopic(topic, PARTITIONS);
      const credits: Credit[] = Array.from({ length: TOTAL }, (_, i) => ({
        id: `c-${i}`,
        account: `acct-${i % 80}`,
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
        return app;
      };
      const a = new MemberLog();
      const b = new MemberLog();
      const c = new MemberLog();
      await Promise.all([start(a), start(b)]);
      await eventually(
        () =>
          a.owns().length + b.owns().length === PARTITIONS &&
          a.processed.length > 20 &&
          b.processed.length > 20,
        'two members sharing the partitions',
        60_000,
      );

      // The join.
      const before = { a: a.owns(), b: b.owns() };
      const joinAt = Date.now();
      const third = await start(c);
      await eventually(() => c.processed.length > 20, 'the third member under way', 60_000);
      const joinedAt = c.assigned.find((x) => x.partitions.length > 0)!.at;
      const joinRevoked = { a: revokedSince(a, joinAt), b: revokedSince(b, joinAt) };

      // The leave.
      const leaveAt = Date.now();
      await third.close();
      apps.splice(apps.indexOf(third), 1);
      await eventually(
        () => a.owns().length + b.owns().length === PARTITIONS,
        'the two members own every partition again',
        60_000,
      );
      const leftAt = Math.max(a.assigned.at(-1)!.at, b.assigned.at(-1)!.at);
      const leaveRevoked = { a: revokedSince(a, leaveAt), b: revokedSince(b, leaveAt) };

      const entries = db.dataSource.getRepository(LedgerEntry);
      await eventually(async () => (await entries.count()) >= TOTAL, 'all applied', 180_000);
      await eventually(async () => (await groupLag(groupId, topic)) === 0, 'group lag 0', 60_000);

      const figures = (label: string, from: number, to: number) =>
        `${label} (${to - from} ms): first member ${a.processedBetween(from, to)} records, ` +
        `longest pause ${a.longestPause(from, to)} ms; second member ${b.processedBetween(from, to)} ` +
        `records, longest pause ${b.longestPause(from, to)} ms`;
      console.log(
        `[group protocols] ${protocol}: join: revoked first [${joinRevoked.a}] of [${before.a}], ` +
          `second [${joinRevoked.b}] of [${before.b}]; ${figures('join', joinAt, joinedAt)}. ` +
          `leave: revoked first [${leaveRevoked.a}], second [${leaveRevoked.b}]; ${figures('leave', leaveAt, leftAt)}`,
      );

      if (protocol === 'classic') {
        // Eager: every member gives up everything, and stops until it is assigned again.
        expect(joinRevoked).toEqual({ a: before.a, b: before.b });
        for (const log of [a, b]) {
          for (const { at } of log.revoked) {
            const next = log.assigned.find((x) => x.at >= at)!.at;
            expect(log.processedBetween(at + 1, next - 1)).toBe(0);
          }
        }
      } else {
        // KIP-848: the joiner takes one partition from one member; the other is not touched.
        const moved = [...joinRevoked.a, ...joinRevoked.b];
        expect(moved).toHaveLength(1);
        expect(c.assigned.find((x) => x.partitions.length > 0)!.partitions).toEqual(moved);
        const unaffected = joinRevoked.a.length === 0 ? a : b;
        expect(unaffected.processedBetween(joinAt, joinedAt)).toBeGreaterThan(0);
        // The leaver's partition is added to a member; neither gives anything up.
        expect(leaveRevoked).toEqual({ a: [], b: [] });
        expect(a.processedBetween(leaveAt, leftAt)).toBeGreaterThan(0);
        expect(b.processedBetween(leaveAt, leftAt)).toBeGreaterThan(0);
      }

      const rows: { idempotencyKey: string; n: string }[] = await entries
        .createQueryBuilder('e')
        .select('e.idempotencyKey', 'idempotencyKey')
        .addSelect('COUNT(*)', 'n')
        .groupBy('e.idempotencyKey')
        .getRawMany();
      const applied = new Map(rows.map((r) => [r.idempotencyKey, Number(r.n)]));
      const lost = credits.filter((x) => !applied.has(x.id)).map((x) => x.id);
      const twice = [...applied].filter(([, n]) => n > 1).map(([key]) => key);
      expect({ lost, twice, applied: applied.size }).toEqual({
        lost: [],
        twice: [],
        applied: TOTAL,
      });
    });
  },
);

/** The partitions revoked from a member since a moment, in order. */
function revokedSince(log: MemberLog, since: number): number[] {
  return log.revoked
    .filter((r) => r.at >= since)
    .flatMap((r) => r.partitions)
    .sort((x, y) => x - y);
}

/** A member's ledger handler (a few ms a record, so the backlog lasts) and its event log. */
function memberProviders(topic: string, log: MemberLog) {
  @Injectable()
  class Ledger {
    @AtLeastOnceHandler(topic)
    async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
      await sleep(8);
      await applyCredit(context.entityManager, credit, context);
    }
  }

  @Injectable()
  class MemberRecorder {
    constructor(events: ReliableKafkaEvents) {
      events.on('processed', ({ record }) =>
        log.processed.push({ at: Date.now(), partition: record.partition }),
      );
      events.on('revoking', ({ partitions }) =>
        log.revoked.push({ at: Date.now(), partitions: partitions[topic] ?? [] }),
      );
      events.on('rebalanced', ({ assignment }) =>
        log.assigned.push({ at: Date.now(), partitions: assignment[topic] ?? [] }),
      );
    }
  }
  return [Ledger, MemberRecorder];
}
