import { Injectable, Logger, type INestApplicationContext } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { ClsModule } from 'nestjs-cls';
import { DataSource } from 'typeorm';
import {
  AtLeastOnceHandler,
  Ctx,
  DeliveryStats,
  Idempotent,
  Payload,
  ReliableKafkaContext,
} from '@reliable-kafka/nestjs';
import type { TestDatabase } from '../support/db/test-database';
import { createTopic, eventually, produce, uniqueName } from '../support/kafka';
import { type Credit, creditMessage } from '../support/ledger/credit';
import { createLedgerDatabase } from '../support/ledger/ledger-database';
import { LEDGER_ENTITIES, LedgerAccount, LedgerEntry } from '../support/ledger/ledger.entities';
import { startTestApp } from '../support/test-app';

/** An app service written for @nestjs-cls/transactional: it knows nothing of Kafka. */
@Injectable()
class LedgerService {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  async credit(credit: Credit, key: string): Promise<void> {
    const tx = this.txHost.tx;
    await tx
      .createQueryBuilder()
      .insert()
      .into(LedgerAccount)
      .values({ id: credit.account, balance: 0 })
      .orIgnore()
      .execute();
    await tx.increment(LedgerAccount, { id: credit.account }, 'balance', credit.amount);
    await tx.insert(LedgerEntry, {
      idempotencyKey: key,
      accountId: credit.account,
      amount: credit.amount,
      partitionNo: 0,
      offsetValue: '0',
    });
  }
}

describe.each(['postgres', 'sqlite'] as const)('with @nestjs-cls/transactional (%s)', (kind) => {
  let db: TestDatabase;
  let app: INestApplicationContext | undefined;
  beforeAll(async () => {
    db = await createLedgerDatabase(kind);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it("services using TransactionHost join the handler's transaction: they roll back with it and apply once", async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);
    const failedOnce = new Set<string>();
    const warn = jest.spyOn(Logger.prototype, 'warn');

    @Injectable()
    class Ledger {
      constructor(private readonly ledger: LedgerService) {}

      @AtLeastOnceHandler({ topics: topic, retry: { backoff: { type: 'fixed', delayMs: 20 } } })
      @Idempotent((m) => (m.payload as Credit).id)
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        await this.ledger.credit(credit, context.idempotencyKey);
        if (!failedOnce.has(credit.id)) {
          failedOnce.add(credit.id);
          throw new Error('fails after the service wrote');
        }
      }
    }

    app = await startTestApp({
      db,
      imports: [
        TypeOrmModule.forRoot({
          ...db.dataSourceOptions,
          entities: LEDGER_ENTITIES,
          synchronize: false,
        } as never),
        ClsModule.forRoot({
          global: true,
          plugins: [
            new ClsPluginTransactional({
              adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource }),
            }),
          ],
        }),
      ],
      providers: [Ledger, LedgerService],
      options: { dataSource: 'default' },
    });
    const account = uniqueName('acct');
    const credits = [1, 2, 3].map((i) => ({ id: `${account}-${i}`, account, amount: i }));
    await produce(
      topic,
      [...credits, credits[0]].map((c) => creditMessage(c)),
    );
    const stats = app.get(DeliveryStats);
    await eventually(
      () => stats.get().processed === 3 && stats.get().duplicates === 1,
      'three applied, one duplicate',
    );

    const dataSource = app.get(DataSource);
    // The app's TransactionHost was found, so the library has no reason to warn that it is not.
    expect(warn).not.toHaveBeenCalledWith(expect.stringMatching(/TransactionHost provider/));
    expect(stats.get().retries).toBe(3);
    for (const credit of credits) {
      expect(
        await dataSource.getRepository(LedgerEntry).countBy({ idempotencyKey: credit.id }),
      ).toBe(1);
    }
    expect(
      (await dataSource.getRepository(LedgerAccount).findOneByOrFail({ id: account })).balance,
    ).toBe(6);
    warn.mockRestore();
  });
});
