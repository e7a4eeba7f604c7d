import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Injectable } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  createOutboxTableMigration,
  Ctx,
  DeliveryStats,
  Idempotent,
  OutboxService,
  Payload,
  ReliableKafkaContext,
} from '@reliable-kafka/nestjs';
import { brokers, createTopic, eventually, readAll, uniqueName } from '../support/kafka';
import { applyCredit, type Credit } from '../support/ledger/credit';
import { createLedgerDatabase } from '../support/ledger/ledger-database';
import { LedgerAccount, LedgerEntry } from '../support/ledger/ledger.entities';
import type { TestDatabase } from '../support/db/test-database';
import { startTestApp } from '../support/test-app';
import { WorkerProcess } from '../support/worker-process';
import type { OutboxRelayWorkerConfig } from './worker/outbox-relay-worker';

const WORKER = 'test/e2e/worker/outbox-relay-worker.ts';

describe.each(['postgres', 'sqlite'] as const)(
  'an outbox relay SIGKILLed mid-publish (%s)',
  (kind) => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createLedgerDatabase(kind);
      const runner = db.dataSource.createQueryRunner();
      try {
        await new (createOutboxTableMigration())().up(runner);
      } finally {
        await runner.release();
      }
    });
    afterAll(() => db?.drop());

    it('restarted, it publishes every message; @Idempotent consumers apply each once', async () => {
      const topic = uniqueName('credits-out');
      await createTopic(topic, 2);
      const account = uniqueName('acct');
      const credits: Credit[] = Array.from({ length: 30 }, (_, i) => ({
        id: `${account}-${i}`,
        account,
        amount: 1,
      }));

      @Injectable()
      class Downstream {
        @AtLeastOnceHandler(topic)
        @Idempotent()
        async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
          await applyCredit(context.entityManager, credit, context);
        }
      }
      // The downstream consumer (relay off in this process) and the writer of the outbox rows.
      const app = await startTestApp({ db, providers: [Downstream] });
      const config: OutboxRelayWorkerConfig = {
        brokers: brokers(),
        db: db.dataSourceOptions,
        batchSize: 10,
        killAfterProduced: topic,
        killMarkerFile: path.join(os.tmpdir(), `${uniqueName('relay-kill')}.marker`),
      };
      try {
        const outbox = app.get(OutboxService);
        for (const credit of credits) {
          await db.dataSource.transaction((m) =>
            outbox.publish(m, topic, { key: account, value: credit, idempotencyKey: credit.id }),
          );
        }

        const first = await WorkerProcess.start(WORKER, config);
        expect(await first.exit()).toEqual({ code: null, signal: 'SIGKILL' });
        // The crash window: a batch is on the broker, its rows are still pending.
        expect(await outbox.pendingCount()).toBe(30);

        const second = await WorkerProcess.start(WORKER, config);
        try {
          await eventually(
            async () => (await outbox.pendingCount()) === 0,
            'outbox drained after restart',
          );
        } finally {
          await second.stop();
        }

        const stats = app.get(DeliveryStats);
        await eventually(
          () => stats.get().processed === 30 && stats.get().duplicates === 10,
          '30 applied, 10 duplicates absorbed',
        );
        const wire = await readAll(topic, 40, 20_000);
        expect(wire).toHaveLength(40); // 10 published twice
        const entries = db.dataSource.getRepository(LedgerEntry);
        for (const credit of credits)
          expect(await entries.countBy({ idempotencyKey: credit.id })).toBe(1);
        expect(
          (await db.dataSource.getRepository(LedgerAccount).findOneByOrFail({ id: account }))
            .balance,
        ).toBe(30);
      } finally {
        await app.close();
        fs.rmSync(config.killMarkerFile as string, { force: true });
      }
    });
  },
);
