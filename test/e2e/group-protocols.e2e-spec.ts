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
import { appliedCredits } from '../support/ledger/applied-credits';
import { LedgerEntry } from '../support/ledger/ledger.entities';
import { startTestApp } from '../support/test-app';
import type { TestGroupProtocol } from '../support/test-client';

/** What one member saw, with the time it happened. */
class MemberLog {
  /** Records its handler began, and the partition each came from. */
  readonly started: { at: number; partition: number }[] = [];
  readonly processed: { at: number; partition: number }[] = [];
  readonly revoked: { at: number; partitions: number[] }[] = [];
  readonly assigned: { at: number; partitions: number[] }[] = [];

  owns(): number[] {
    return this.assigned[this.assigned.length - 1]?.partitions ?? [];
  }
  processedBetween(from: number, to: number): number {
    return this.processed.filter((p) => p.at >= from && p.at <= to).length;
  }
  startedBetween(from: number, to: number): number {
    return this.started.filter((p) => p.at > from && p.at < to).length;
  }
  /** When the member began its first record of a partition after a moment. */
  firstStartOf(partition: number, after: number): number | undefined {
    return this.started.find((p) => p.partition === partition && p.at >= after)?.at;
  }
  /** The member's longest pause between two records it processed within [from, to]. */
  longestPause(from: number, to: number): number {
    const times = [from, ...this.processed.map((p) => p.at).filter((t) => t > from && t < to), to];
    return Math.max(...times.slice(1).map((t, i) => t - times[i]));
  }
}

const TOTAL = 10_000;
const PARTITIONS = 4;

/**
 * Two members consume a backlog, every partition at once; a third joins, then leaves. Under
 * Confluent's client, with each group protocol:
 * - classic (eager): every change revokes every partition of every member, and no member begins
 *   a record between its revocation and its next assignment;
 * - consumer (KIP-848): only the partitions that move are revoked. On the join, the member that
 *   gives nothing up is never revoked, and goes on while the moved partition is handed over (from
 *   its revocation to the joiner's first record of it); on the leave, neither member is revoked,
 *   and both go on while the leaver's partition is handed over.
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
              partitionsConsumedConcurrently: PARTITIONS,
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
      const moved = c.assigned.find((x) => x.partitions.length > 0)!.partitions;
      // The hand-over of the joiner's partition: from its revocation to the joiner's first record.
      const handedFrom = Math.min(
        ...[a, b].flatMap((log) =>
          log.revoked
            .filter((r) => r.at >= joinAt && r.partitions.includes(moved[0]))
            .map((r) => r.at),
        ),
      );
      const handedTo = c.firstStartOf(moved[0], joinAt)!;
      const leaving = c.owns();

      // The leave.
      const leaveAt = Date.now();
      await third.close();
      apps.splice(apps.indexOf(third), 1);
      await eventually(
        () => a.owns().length + b.owns().length === PARTITIONS,
        'the two members own every partition again',
        60_000,
      );
      const leaveRevoked = { a: revokedSince(a, leaveAt), b: revokedSince(b, leaveAt) };
      // The hand-over of the leaver's partition: from its revocation to its new owner's first record.
      const leaverRevokedAt = c.revoked.find((r) => r.at >= leaveAt)?.at ?? leaveAt;
      const takenAt = () =>
        Math.min(...[a, b].map((log) => log.firstStartOf(leaving[0], leaveAt) ?? Infinity));
      await eventually(
        () => takenAt() < Infinity,
        "the leaver's partition consumed again",
        120_000,
      );
      const retakenAt = takenAt();

      const entries = db.dataSource.getRepository(LedgerEntry);
      await eventually(async () => (await entries.count()) >= TOTAL, 'all applied', 180_000);
      await eventually(async () => (await groupLag(groupId, topic)) === 0, 'group lag 0', 60_000);

      const figures = (label: string, from: number, to: number) =>
        `${label} (${to - from} ms): first member ${a.processedBetween(from, to)} records, ` +
        `longest pause ${a.longestPause(from, to)} ms; second member ${b.processedBetween(from, to)} ` +
        `records, longest pause ${b.longestPause(from, to)} ms`;
      console.log(
        `[group protocols] ${protocol}: join: revoked first [${joinRevoked.a}] of [${before.a}], ` +
          `second [${joinRevoked.b}] of [${before.b}]; ${figures('join', joinAt, joinedAt)}; ` +
          `${figures(`hand-over of partition ${moved[0]}`, handedFrom, handedTo)}. ` +
          `leave: revoked first [${leaveRevoked.a}], second [${leaveRevoked.b}]; ` +
          `${figures(`hand-over of partition ${leaving[0]}`, leaverRevokedAt, retakenAt)}`,
      );

      if (protocol === 'classic') {
        // Eager: every member gives up everything, and stops until it is assigned again.
        expect(joinRevoked).toEqual({ a: before.a, b: before.b });
        for (const log of [a, b]) {
          expect(log.revoked.length).toBeGreaterThanOrEqual(2);
          for (const { at } of log.revoked) {
            const next = log.assigned.find((x) => x.at >= at)!.at;
            expect(log.startedBetween(at, next)).toBe(0);
          }
        }
      } else {
        // KIP-848: what the joiner takes is revoked, nothing else; a member that gives nothing
        // up goes on through the hand-over.
        expect([...joinRevoked.a, ...joinRevoked.b]).toEqual(moved);
        const unaffected = [a, b].filter((log) => revokedSince(log, joinAt).length === 0);
        expect(unaffected.length).toBeGreaterThan(0);
        for (const log of unaffected)
          expect(log.startedBetween(handedFrom, handedTo)).toBeGreaterThan(0);
        // The leaver's partition is added to a member; neither gives anything up, and both go on.
        expect(leaveRevoked).toEqual({ a: [], b: [] });
        for (const log of [a, b])
          expect(log.startedBetween(leaverRevokedAt, retakenAt)).toBeGreaterThan(0);
      }

      expect(await appliedCredits(entries, credits)).toEqual({
        lost: [],
        twice: [],
        applied: TOTAL,
      });
    });
  },
);

/** The partitions revoked from a member since a moment, each once, in order. */
function revokedSince(log: MemberLog, since: number): number[] {
  const partitions = log.revoked.filter((r) => r.at >= since).flatMap((r) => r.partitions);
  return [...new Set(partitions)].sort((x, y) => x - y);
}

/** A member's ledger handler (a few ms a record, so the backlog lasts) and its event log. */
function memberProviders(topic: string, log: MemberLog) {
  @Injectable()
  class Ledger {
    @AtLeastOnceHandler(topic)
    async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
      log.started.push({ at: Date.now(), partition: context.record.partition });
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
