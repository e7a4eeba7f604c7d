import type { TestDatabase } from '../support/db/test-database';
import { createLedgerDatabase } from '../support/ledger/ledger-database';
import { brokers, createTopic, eventually, groupLag, produce, uniqueName } from '../support/kafka';
import { type Credit, creditMessage } from '../support/ledger/credit';
import { appliedCredits } from '../support/ledger/applied-credits';
import { LedgerEntry } from '../support/ledger/ledger.entities';
import { WorkerProcess } from '../support/worker-process';
import type { WorkerConfig } from './worker/ledger-worker';

const WORKER = 'test/e2e/worker/ledger-worker.ts';

describe('two instances in one group, one leaving mid-stream (postgres)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createLedgerDatabase('postgres');
  });
  afterAll(() => db?.drop());

  it('applies every message exactly once', async () => {
    const topic = uniqueName('credits');
    const groupId = uniqueName('ledger');
    await createTopic(topic, 4);
    const config: WorkerConfig = { brokers: brokers(), topic, groupId, db: db.dataSourceOptions };
    const [a, b] = await Promise.all([
      WorkerProcess.start(WORKER, config),
      WorkerProcess.start(WORKER, config),
    ]);

    try {
      const total = 2_000;
      const credits: Credit[] = Array.from({ length: total }, (_, i) => ({
        id: `c-${i}`,
        account: `acct-${i % 40}`,
        amount: 1,
      }));
      await produce(
        topic,
        credits.map((c) => creditMessage(c)),
      );

      const entries = db.dataSource.getRepository(LedgerEntry);
      await eventually(
        async () => (await entries.count()) >= total / 4,
        'a quarter processed',
        120_000,
      );
      b.kill('SIGTERM');
      // enableShutdownHooks: Nest closes the app (drain, commit, leave the group), then re-raises.
      expect(await b.exit()).toEqual({ code: null, signal: 'SIGTERM' });
      expect(b.lines).toContain('CLOSED SIGTERM');
      await eventually(async () => (await groupLag(groupId, topic)) === 0, 'group lag 0', 180_000);

      expect(await appliedCredits(entries, credits)).toEqual({
        lost: [],
        twice: [],
        applied: total,
      });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
