import type { INestApplicationContext } from '@nestjs/common';
import { createDedupTableMigration, DeliveryStats } from '@reliable-kafka/nestjs';
import { DeadLetter } from '../../apps/orders/src/db/dead-letter.entity';
import { CreateOrdersTables1764400000000 } from '../../apps/orders/src/db/create-orders-tables.migration';
import { DeadLetterKeyBytes1764600000000 } from '../../apps/orders/src/db/dead-letter-key-bytes.migration';
import { createTestDatabase, type TestDatabase } from '../support/db/test-database';
import { createTopic, eventually, produce, readAll, uniqueName } from '../support/kafka';
import { startTestApp } from '../support/test-app';

/**
 * The sample app's dead-letter consumer behind `GET /dead-letters`, on PostgreSQL: every dead
 * letter becomes a row, whatever bytes its key, value and headers hold. A NUL in a header once
 * failed the insert, and the record went on to `.dlq.dlq` instead of the list.
 */
describe('orders app: dead letters with any bytes reach GET /dead-letters (postgres, real broker)', () => {
  const topic = uniqueName('orders');
  let db: TestDatabase;
  let app: INestApplicationContext;

  beforeAll(async () => {
    db = await createTestDatabase('postgres', {
      entities: [DeadLetter],
      migrations: [
        createDedupTableMigration(),
        CreateOrdersTables1764400000000,
        DeadLetterKeyBytes1764600000000,
      ],
    });
    await db.dataSource.runMigrations();
    // The app reads its topic from the environment when the consumer's file is loaded.
    process.env.ORDERS_TOPIC = topic;
    const { DeadLetterConsumer } =
      await import('../../apps/orders/src/consumers/dead-letter.consumer');
    await createTopic(`${topic}.dlq`);
    await createTopic(`${topic}.dlq.dlq`);
    app = await startTestApp({ db, providers: [DeadLetterConsumer] });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    delete process.env.ORDERS_TOPIC;
  });

  it('stores NUL bytes and invalid UTF-8 in key, value and headers: key and value as base64, header text made storable', async () => {
    const nasty = {
      key: Buffer.from([0x6b, 0x00, 0xff]),
      value: Buffer.from([0x00, 0x7b, 0xff, 0x0a]),
      headers: {
        'dlq-original-topic': topic,
        'dlq-original-partition': '0',
        'dlq-original-offset': '3',
        'dlq-handler': 'OrdersConsumer.onOrder',
        'dlq-error-class': 'PayloadDecodeError',
        // As an older version wrote it: JSON.parse's snippet of the payload, NUL included.
        'dlq-error-message': Buffer.from(
          'Payload is not valid JSON: Unexpected token "\u0000{\uFFFD"',
        ),
        'dlq-attempts': '1',
        'idempotency-key': Buffer.from([0x69, 0x00, 0x31]),
      },
    };
    const plain = {
      key: 'acct-1',
      value: '{"orderId":"o-2"}',
      headers: {
        'dlq-original-topic': topic,
        'dlq-original-partition': '0',
        'dlq-original-offset': '4',
        'dlq-error-class': 'BadRequestException',
        'dlq-error-message': 'amount must be a positive number',
        'dlq-attempts': '1',
        'idempotency-key': 'o-2',
      },
    };
    // Put there by hand: no origin headers, a key longer than any text column.
    const byHand = { key: Buffer.alloc(300, 0x00), value: null };
    await produce(`${topic}.dlq`, [nasty, plain, byHand]);

    const stats = app.get(DeliveryStats);
    await eventually(() => stats.get().processed === 3, 'three dead letters recorded');
    expect(stats.get().deadLettered).toBe(0);
    const rows = await db.dataSource
      .getRepository(DeadLetter)
      .find({ order: { originalOffset: 'ASC' } });
    // By original offset: the one put there by hand is its own origin, offset 2 of the .dlq topic.
    expect(rows.map((r) => r.id)).toEqual([`${topic}.dlq/0/2`, `${topic}/0/3`, `${topic}/0/4`]);
    const [third, first, second] = rows;
    expect(first.errorMessage).toBe('Payload is not valid JSON: Unexpected token " {\uFFFD"');
    expect(first.idempotencyKey).toBe('i 1');
    expect(Buffer.from(first.messageKeyBase64 as string, 'base64')).toEqual(nasty.key);
    expect(Buffer.from(first.valueBase64 as string, 'base64')).toEqual(nasty.value);
    expect(second).toMatchObject({
      errorClass: 'BadRequestException',
      errorMessage: 'amount must be a positive number',
      idempotencyKey: 'o-2',
      messageKeyBase64: Buffer.from('acct-1').toString('base64'),
    });
    expect(third).toMatchObject({
      originalTopic: `${topic}.dlq`,
      handler: null,
      valueBase64: null,
    });
    expect(Buffer.from(third.messageKeyBase64 as string, 'base64')).toEqual(byHand.key);
    expect(await readAll(`${topic}.dlq.dlq`, 0, 1_000)).toHaveLength(0);
  });
});

describe("orders app on SQLite (the demo's default): its migrations give dead letters a base64 key", () => {
  it('runs every migration and stores a key of any bytes', async () => {
    const db = await createTestDatabase('sqlite', {
      entities: [DeadLetter],
      migrations: [
        createDedupTableMigration(),
        CreateOrdersTables1764400000000,
        DeadLetterKeyBytes1764600000000,
      ],
    });
    try {
      await db.dataSource.runMigrations();
      const key = Buffer.from([0x00, 0xff, 0x6b]);
      await db.dataSource.getRepository(DeadLetter).insert({
        id: 'orders/0/1',
        originalTopic: 'orders',
        originalPartition: 0,
        originalOffset: '1',
        messageKeyBase64: key.toString('base64'),
        valueBase64: null,
      });
      const [row] = await db.dataSource.getRepository(DeadLetter).find();
      expect(Buffer.from(row.messageKeyBase64 as string, 'base64')).toEqual(key);
    } finally {
      await db.drop();
    }
  });
});
