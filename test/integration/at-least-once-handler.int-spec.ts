import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  UseInterceptors,
  ValidationPipe,
} from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { testClientLibrary } from '../support/test-client';
import { IsInt, IsPositive, IsString } from 'class-validator';
import type { EntityManager } from 'typeorm';
import {
  AtLeastOnceHandler,
  Ctx,
  DeadLetterHeaders,
  DeliveryStats,
  Idempotent,
  Payload,
  ReliableKafkaContext,
  TransactionManager,
} from '../../libs/reliable-kafka/src';
import {
  availableDatabaseKinds,
  createTestDatabase,
  type TestDatabase,
} from '../support/db/test-database';
import {
  committedCount,
  committedOffsets,
  createTopic,
  eventually,
  produce,
  readAll,
  uniqueName,
} from '../support/kafka';
import { applyCredit, type Credit, creditMessage } from '../support/ledger/credit';
import { LEDGER_ENTITIES, LedgerAccount, LedgerEntry } from '../support/ledger/ledger.entities';
import { startTestApp } from '../support/test-app';

class CreditDto {
  @IsString() id!: string;
  @IsString() account!: string;
  @IsInt() @IsPositive() amount!: number;
}

/** Records the execution context type the app's interceptors see. */
@Injectable()
class SeenByAppInterceptor implements NestInterceptor {
  static seen: string[] = [];
  intercept(context: ExecutionContext, next: CallHandler) {
    SeenByAppInterceptor.seen.push(context.getType());
    return next.handle();
  }
}

describe.each(availableDatabaseKinds())(
  '@AtLeastOnceHandler on %s against the real broker',
  (kind) => {
    let db: TestDatabase;
    let app: INestApplicationContext | undefined;

    beforeAll(async () => {
      db = await createTestDatabase(kind, { entities: LEDGER_ENTITIES, synchronize: true });
    });
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });
    afterAll(() => db?.drop());

    const entries = (key: string) =>
      db.dataSource.getRepository(LedgerEntry).countBy({ idempotencyKey: key });
    const balance = async (account: string) =>
      (await db.dataSource.getRepository(LedgerAccount).findOneBy({ id: account }))?.balance ?? 0;

    it('applies each message once, skips a resent duplicate, and commits every offset', async () => {
      const topic = uniqueName('credits');
      const groupId = uniqueName('ledger');
      await createTopic(topic, 2);
      const calls: string[] = [];

      @Injectable()
      class Ledger {
        @AtLeastOnceHandler(topic)
        @Idempotent((m) => (m.payload as Credit).id)
        async credit(
          @Payload() credit: Credit,
          @Ctx() context: ReliableKafkaContext,
          @TransactionManager() manager: EntityManager,
        ) {
          calls.push(credit.id);
          expect(manager).toBe(context.entityManager);
          await applyCredit(manager, credit, context);
        }
      }

      app = await startTestApp({ db, groupId, providers: [Ledger] });
      const account = uniqueName('acct');
      const credits = Array.from({ length: 10 }, (_, i) => ({
        id: `${account}-${i}`,
        account,
        amount: i + 1,
      }));
      await produce(
        topic,
        credits.map((c) => creditMessage(c)),
      );
      const stats = app.get(DeliveryStats);
      await eventually(() => stats.get().processed === 10, '10 credits processed');

      // The producer resends one credit: same idempotency key, new record.
      await produce(topic, [creditMessage(credits[3])]);
      await eventually(() => stats.get().duplicates === 1, 'one duplicate skipped');

      expect(calls).toHaveLength(10);
      expect(await balance(account)).toBe(55);
      expect(await entries(credits[3].id)).toBe(1);
      // All credits share a key, so one partition: the others have nothing committed.
      await eventually(
        async () => (await committedCount(groupId, topic)) === 11,
        'all 11 offsets committed',
      );
    });

    it('rolls back the handler writes and the dedup record when the handler throws, then applies once', async () => {
      const topic = uniqueName('credits');
      await createTopic(topic);
      let failuresLeft = 2;

      @Injectable()
      class FlakyLedger {
        @AtLeastOnceHandler({
          topics: topic,
          retry: { maxAttempts: 5, backoff: { type: 'fixed', delayMs: 20 } },
        })
        async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
          await applyCredit(context.entityManager, credit, context);
          if (failuresLeft-- > 0) throw new Error('downstream hiccup after the writes');
        }
      }

      app = await startTestApp({ db, providers: [FlakyLedger] });
      const account = uniqueName('acct');
      await produce(topic, [creditMessage({ id: `${account}-1`, account, amount: 7 })]);
      const stats = app.get(DeliveryStats);
      await eventually(() => stats.get().processed === 1, 'credit processed after two failures');

      expect(stats.get()).toEqual({ processed: 1, duplicates: 0, retries: 2, deadLettered: 0 });
      expect(await balance(account)).toBe(7);
      expect(await entries(`${account}-1`)).toBe(1);
    });

    it("runs the app's interceptors and pipes: a validation failure is dead-lettered at once, the partition moves on", async () => {
      const topic = uniqueName('credits');
      await createTopic(topic);
      SeenByAppInterceptor.seen = [];
      const applied: string[] = [];

      @Injectable()
      class ValidatedLedger {
        @AtLeastOnceHandler(topic)
        @UseInterceptors(SeenByAppInterceptor)
        async credit(
          @Payload(new ValidationPipe({ whitelist: true })) credit: CreditDto,
          @Ctx() context: ReliableKafkaContext,
        ) {
          applied.push(credit.id);
          await applyCredit(context.entityManager, credit, context);
        }
      }

      const groupId = uniqueName('ledger');
      app = await startTestApp({ db, groupId, providers: [ValidatedLedger, SeenByAppInterceptor] });
      const account = uniqueName('acct');
      const bad = { id: `${account}-bad`, account, amount: -5 };
      const good = { id: `${account}-good`, account, amount: 5 };
      await produce(topic, [creditMessage(bad), creditMessage(good)]);
      const stats = app.get(DeliveryStats);
      await eventually(
        () => stats.get().processed === 1 && stats.get().deadLettered === 1,
        'one applied, one dead-lettered',
      );

      expect(applied).toEqual([good.id]);
      expect(stats.get().retries).toBe(0);
      expect(SeenByAppInterceptor.seen).toEqual(['rpc', 'rpc']);
      expect(await balance(account)).toBe(5);

      const [dead] = await readAll(`${topic}.dlq`, 1);
      expect(dead.value?.toString()).toBe(JSON.stringify(bad));
      expect(dead.key?.toString()).toBe(account);
      expect(dead.headers).toMatchObject({
        'idempotency-key': bad.id,
        [DeadLetterHeaders.originalTopic]: topic,
        [DeadLetterHeaders.originalPartition]: '0',
        [DeadLetterHeaders.originalOffset]: '0',
        [DeadLetterHeaders.consumerGroup]: groupId,
        [DeadLetterHeaders.handler]: 'ValidatedLedger.credit',
        [DeadLetterHeaders.errorClass]: 'BadRequestException',
        [DeadLetterHeaders.attempts]: '1',
      });
      expect(dead.headers[DeadLetterHeaders.originalTimestamp]).toMatch(/^\d+$/);
      expect(dead.headers[DeadLetterHeaders.errorMessage]).toBe(
        'Bad Request Exception: amount must be a positive number',
      );
      await eventually(
        async () => (await committedOffsets(groupId, topic))[0] === '2',
        'both offsets committed',
      );
    });

    it('sends undecodable bytes to the dead-letter topic byte for byte, with every header', async () => {
      const topic = uniqueName('credits');
      await createTopic(topic);

      @Injectable()
      class PoisonedLedger {
        @AtLeastOnceHandler(topic)
        async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
          await applyCredit(context.entityManager, credit, context);
        }
      }

      app = await startTestApp({ db, providers: [PoisonedLedger] });
      const poison = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x22, 0x80]);
      // Any header name travels with it (a computed key: an own property named __proto__).
      await produce(topic, [
        {
          key: 'poison',
          value: poison,
          headers: { 'idempotency-key': 'p-1', ['__proto__']: 'kept' },
        },
      ]);
      const stats = app.get(DeliveryStats);
      await eventually(() => stats.get().deadLettered === 1, 'poison dead-lettered');

      const [dead] = await readAll(`${topic}.dlq`, 1);
      expect(Buffer.compare(dead.value as Buffer, poison)).toBe(0);
      // Confluent's KafkaJS-style consumer assigns header names to a plain object, so a header
      // named __proto__ is lost on read, before the library sees the record (docs/clients.md).
      expect(dead.headers['__proto__']).toBe(
        testClientLibrary() === 'confluent' ? undefined : 'kept',
      );
      expect(dead.headers[DeadLetterHeaders.errorClass]).toBe('PayloadDecodeError');
      expect(dead.headers[DeadLetterHeaders.errorCode]).toBe('RK_PAYLOAD_DECODE');
    });
  },
);
