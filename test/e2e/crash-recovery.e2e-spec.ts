import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestDatabase } from '../support/db/test-database';
import { createLedgerDatabase } from '../support/ledger/ledger-database';
import {
  brokers,
  committedOffsets,
  createTopic,
  eventually,
  groupLag,
  produce,
  uniqueName,
} from '../support/kafka';
import { creditMessage } from '../support/ledger/credit';
import { LedgerAccount, LedgerEntry } from '../support/ledger/ledger.entities';
import { WorkerProcess } from '../support/worker-process';
import type { WorkerConfig } from './worker/ledger-worker';

const WORKER = 'test/e2e/worker/ledger-worker.ts';

describe.each(['postgres', 'sqlite'] as const)(
  'a consumer killed between the DB commit and the offset commit (%s)',
  (kind) => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createLedgerDatabase(kind);
    });
    afterAll(() => db?.drop());

    /**
     * Five credits of one account on a fresh topic, and a worker that is SIGKILLed right after the
     * transaction holding credit 2 committed: credit 2 is in the database when it dies.
     */
    async function crashAfterCreditTwo(handler: WorkerConfig['handler']) {
      const topic = uniqueName('credits');
      const groupId = uniqueName('ledger');
      await createTopic(topic);
      const account = uniqueName('acct');
      const credits = Array.from({ length: 5 }, (_, i) => ({
        id: `${account}-${i}`,
        account,
        amount: 10 ** i,
      }));
      await produce(
        topic,
        credits.map((c) => creditMessage(c)),
      );
      const config: WorkerConfig = {
        brokers: brokers(),
        topic,
        groupId,
        db: db.dataSourceOptions,
        handler,
        killAfterCommitOf: credits[2].id,
        killMarkerFile: path.join(os.tmpdir(), `${uniqueName('kill')}.marker`),
      };
      const first = await WorkerProcess.start(WORKER, config);
      expect(await first.exit()).toEqual({ code: null, signal: 'SIGKILL' });
      expect(
        await db.dataSource.getRepository(LedgerEntry).countBy({ idempotencyKey: credits[2].id }),
      ).toBe(1);
      const committed = Number((await committedOffsets(groupId, topic))[0]);
      return { config, credits, account, committed };
    }

    /** A second worker finishes the stream: credit 2 comes back as a duplicate, every effect is once. */
    async function restartAndCheck(
      config: WorkerConfig,
      credits: Array<{ id: string }>,
      account: string,
    ) {
      const second = await WorkerProcess.start(WORKER, config);
      try {
        await eventually(
          async () => (await groupLag(config.groupId, config.topic)) === 0,
          'group lag 0 after restart',
        );
        expect(second.lines).toContain(`DUPLICATE ${credits[2].id}`);
      } finally {
        await second.stop();
        fs.rmSync(config.killMarkerFile as string, { force: true });
      }
      const entries = db.dataSource.getRepository(LedgerEntry);
      for (const credit of credits) {
        expect(await entries.countBy({ idempotencyKey: credit.id })).toBe(1);
      }
      const balance = await db.dataSource
        .getRepository(LedgerAccount)
        .findOneByOrFail({ id: account });
      expect(balance.balance).toBe(11111);
    }

    it('redelivers the message on restart, and the dedup record keeps the effect single', async () => {
      const { config, credits, account, committed } = await crashAfterCreditTwo('per-record');
      // The crash window: the broker has only offsets 0 and 1.
      expect(committed).toBe(2);
      await restartAndCheck(config, credits, account);
    });

    it('a batch handler: redelivers the chunk on restart, and its dedup records keep every effect single', async () => {
      const { config, credits, account, committed } = await crashAfterCreditTwo('batch');
      // The crash window: the broker's offset is not past credit 2's chunk.
      expect(committed).toBeLessThanOrEqual(2);
      await restartAndCheck(config, credits, account);
    });
  },
);
