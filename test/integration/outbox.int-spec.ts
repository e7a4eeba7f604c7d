import { Injectable } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  Ctx,
  DeliveryStats,
  Idempotent,
  NonRetriableError,
  OutboxService,
  Payload,
  ReliableKafkaContext,
  SerializationError,
} from '@reliable-kafka/nestjs';
import { availableDatabaseKinds } from '../support/db/test-database';
import { createTopic, eventually, produce, readAll, uniqueName } from '../support/kafka';
import { applyCredit, type Credit, creditMessage } from '../support/ledger/credit';
import { useLedgerApp } from '../support/ledger/ledger-app';
import { LedgerEntry } from '../support/ledger/ledger.entities';
import { startTestApp } from '../support/test-app';

const relay = (extra: object = {}) => ({
  producer: {
    outbox: { enabled: true, createTable: true, pollIntervalMs: 100, batchSize: 20, ...extra },
  },
});

describe.each(availableDatabaseKinds())('transactional outbox (%s, real broker)', (kind) => {
  const ledger = useLedgerApp(kind);
  const entries = (key: string) =>
    ledger.db.dataSource.getRepository(LedgerEntry).countBy({ idempotencyKey: key });

  it('consume-transform-produce: a committed handler publishes once; a throwing one leaves neither row nor message', async () => {
    const input = uniqueName('in');
    const output = uniqueName('out');
    await createTopic(input);
    await createTopic(output);

    @Injectable()
    class Transformer {
      constructor(private readonly outbox: OutboxService) {}

      @AtLeastOnceHandler({ topics: input, retry: { maxAttempts: 1 } })
      @Idempotent()
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        await applyCredit(context.entityManager, credit, context);
        await this.outbox.publish(context, output, {
          key: credit.account,
          value: { credited: credit.id, amount: credit.amount },
          idempotencyKey: `credited-${credit.id}`,
        });
        if (credit.amount < 0) throw new NonRetriableError('negative credit');
      }
    }

    const app = await ledger.start({ providers: [Transformer], options: relay() });
    const account = uniqueName('acct');
    await produce(input, [
      creditMessage({ id: `${account}-ok`, account, amount: 5 }),
      creditMessage({ id: `${account}-bad`, account, amount: -1 }),
    ]);
    const stats = app.get(DeliveryStats);
    await eventually(
      () => stats.get().processed === 1 && stats.get().deadLettered === 1,
      'one processed, one dead-lettered',
    );
    await eventually(
      async () => (await app.get(OutboxService).pendingCount()) === 0,
      'outbox drained',
    );

    const out = await readAll(output, 1, 10_000);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0].value!.toString())).toEqual({ credited: `${account}-ok`, amount: 5 });
    expect(out[0].headers['idempotency-key']).toBe(`credited-${account}-ok`);
    expect(out[0].headers['message-id']).toBeTruthy();
    expect(out[0].key?.toString()).toBe(account);
    expect(await entries(`${account}-ok`)).toBe(1);
    expect(await entries(`${account}-bad`)).toBe(0);
  });

  it('any TypeORM transaction: a rollback takes the outbox row with it', async () => {
    const output = uniqueName('out');
    await createTopic(output);
    const app = await ledger.start({ options: relay() });
    const outbox = app.get(OutboxService);

    await expect(
      ledger.db.dataSource.transaction(async (manager) => {
        await manager.insert(LedgerEntry, {
          idempotencyKey: 'rolled-back',
          accountId: 'a',
          amount: 1,
          partitionNo: 0,
          offsetValue: '0',
        });
        await outbox.publish(manager, output, { key: 'a', value: 'never' });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    await ledger.db.dataSource.transaction((manager) =>
      outbox.publish(manager, output, { key: 'a', value: 'committed' }),
    );

    await eventually(async () => (await outbox.pendingCount()) === 0, 'outbox drained');
    const out = await readAll(output, 1, 10_000);
    expect(out.map((r) => r.value?.toString())).toEqual(['committed']);
    expect(await entries('rolled-back')).toBe(0);
    await expect(
      outbox.publish(ledger.db.dataSource.manager, output, { value: 'x' }),
    ).rejects.toThrow(/open transaction/);
  });

  it('keeps order per key, in id order, over several relay rounds', async () => {
    const output = uniqueName('out');
    await createTopic(output, 3);
    const app = await ledger.start({ options: relay({ batchSize: 7 }) });
    const outbox = app.get(OutboxService);
    const keys = ['a', 'b', 'c', 'd'];
    for (let i = 0; i < 40; i++) {
      await ledger.db.dataSource.transaction((m) =>
        outbox.publish(m, output, { key: keys[i % 4], value: { i } }),
      );
    }
    await eventually(async () => (await outbox.pendingCount()) === 0, 'outbox drained');
    const out = await readAll(output, 40, 20_000);
    expect(out).toHaveLength(40);
    for (const key of keys) {
      const seen = out
        .filter((r) => r.key?.toString() === key)
        .sort((x, y) => Number(BigInt(x.offset) - BigInt(y.offset)))
        .map((r) => JSON.parse(r.value!.toString()).i);
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
      expect(seen).toHaveLength(10);
    }
  });

  it('a failed publish leaves the rows pending with attempts and last_error; they go out once the topic exists', async () => {
    const output = uniqueName('late');
    const app = await ledger.start({
      options: {
        producer: {
          deliveryTimeoutMs: 3_000,
          requestTimeoutMs: 1_000,
          outbox: { enabled: true, createTable: true, pollIntervalMs: 100, retryDelayMs: 200 },
        },
      },
    });
    const outbox = app.get(OutboxService);
    await ledger.db.dataSource.transaction((m) =>
      outbox.publish(m, output, { key: 'k', value: 'waits for its topic' }),
    );
    await eventually(
      async () => {
        const [row] = await ledger.db.dataSource.query(
          `SELECT attempts, last_error FROM reliable_kafka_outbox WHERE topic = '${output}'`,
        );
        return Number(row?.attempts) > 0 && typeof row?.last_error === 'string';
      },
      'a failed attempt recorded',
      30_000,
    );
    expect(await outbox.pendingCount()).toBeGreaterThan(0);

    await createTopic(output);
    await eventually(
      async () => (await outbox.pendingCount()) === 0,
      'outbox drained once the topic exists',
      30_000,
    );
    const out = await readAll(output, 1, 10_000);
    expect(out.map((r) => r.value?.toString())).toEqual(['waits for its topic']);
  });

  it('sends keys and headers byte for byte (bytes that are not UTF-8 stay two records, not one U+FFFD), and the rows an earlier version wrote as they were', async () => {
    const output = uniqueName('out');
    await createTopic(output);
    const app = await ledger.start({ options: relay({ binaryKeysAndHeaders: true }) });
    const outbox = app.get(OutboxService);
    const keys = [Buffer.from([0x6b, 0xff]), Buffer.from([0x6b, 0xfe])];
    const binary = Buffer.from([0x00, 0xc0, 0x80, 0xed, 0xa0, 0x80]);
    for (const [i, key] of keys.entries()) {
      await ledger.db.dataSource.transaction((m) =>
        outbox.publish(m, output, {
          key,
          value: `binary ${i}`,
          headers: { tag: key, trace: binary, note: Buffer.from('Zoë') },
          idempotencyKey: `binary-${i}`,
        }),
      );
    }
    // A row as an earlier version wrote it: key and headers as plain text.
    await ledger.db.dataSource.query(
      `INSERT INTO reliable_kafka_outbox (topic, message_key, payload, payload_encoding, headers, idempotency_key, message_id, created_at) ` +
        `VALUES ('${output}', 'acct-old', 'earlier', 'utf8', '{"idempotency-key":"earlier-1","message-id":"m-earlier","note":"Zoë"}', 'earlier-1', 'm-earlier', ${Date.now()})`,
    );

    await eventually(async () => (await outbox.pendingCount()) === 0, 'outbox drained');
    const out = await readAll(output, 3, 10_000);
    const byValue = (value: string) => out.find((r) => r.value?.toString() === value)!;
    expect(out).toHaveLength(3);
    for (const [i, key] of keys.entries()) {
      const record = byValue(`binary ${i}`);
      expect(record.key).toEqual(key);
      expect(record.rawHeaders.tag).toEqual(key);
      expect(record.rawHeaders.trace).toEqual(binary);
      expect(record.rawHeaders.note).toEqual(Buffer.from('Zoë'));
      expect(record.headers['idempotency-key']).toBe(`binary-${i}`);
    }
    const earlier = byValue('earlier');
    expect(earlier.key).toEqual(Buffer.from('acct-old'));
    expect(earlier.headers).toMatchObject({
      'idempotency-key': 'earlier-1',
      'message-id': 'm-earlier',
      note: 'Zoë',
    });
  });

  it('before the opt-in: a key or header that is not UTF-8 fails the caller transaction (nothing stored), and a bytes-form row another instance wrote is relayed', async () => {
    const output = uniqueName('out');
    await createTopic(output);
    const app = await ledger.start({ options: relay() });
    const outbox = app.get(OutboxService);
    const account = uniqueName('acct');
    const refused = ledger.db.dataSource.transaction(async (m) => {
      const credit = { id: `${account}-1`, account, amount: 5 };
      await applyCredit(m, credit, { idempotencyKey: credit.id, partition: 0, offset: '0' });
      await outbox.publish(m, output, {
        key: Buffer.from([0x6b, 0xff]),
        value: 'refused',
        idempotencyKey: `${account}-1`,
      });
    });
    await expect(refused).rejects.toThrow(SerializationError);
    expect(await entries(`${account}-1`)).toBe(0);
    expect(await outbox.pendingCount()).toBe(0);
    // A row of the bytes form, as an instance that opted in writes it: key k\xff, header trace.
    const form = {
      keyBase64: true,
      headers: [
        ['idempotency-key', 'bytes-1'],
        ['trace', { base64: '/w==' }],
      ],
    };
    await ledger.db.dataSource.query(
      `INSERT INTO reliable_kafka_outbox (topic, message_key, payload, payload_encoding, headers, idempotency_key, message_id, created_at) ` +
        `VALUES ('${output}', 'a/8=', 'opted in', 'utf8', 'bytes:${JSON.stringify(form)}', 'bytes-1', 'm-bytes-1', ${Date.now()})`,
    );

    await eventually(async () => (await outbox.pendingCount()) === 0, 'outbox drained');
    const [record] = await readAll(output, 1, 10_000);
    expect(record.value?.toString()).toBe('opted in');
    expect(record.key).toEqual(Buffer.from([0x6b, 0xff]));
    expect(record.rawHeaders.trace).toEqual(Buffer.from([0xff]));
  });

  if (kind !== 'sqlite') {
    it('app transactions writing the outbox while two relays run never block on or deadlock with them', async () => {
      const output = uniqueName('out');
      await createTopic(output, 2);
      const first = await ledger.start({ options: relay({ batchSize: 3, pollIntervalMs: 1 }) });
      const second = await startTestApp({
        db: ledger.db,
        options: relay({ batchSize: 3, pollIntervalMs: 1 }),
      });
      try {
        const outbox = first.get(OutboxService);
        const writers = 6;
        const perWriter = 40;
        // Every write is one app transaction; none may fail (a deadlock or lock wait timeout would).
        await Promise.all(
          Array.from({ length: writers }, (_, w) =>
            (async () => {
              for (let i = 0; i < perWriter; i++) {
                await ledger.db.dataSource.transaction((m) =>
                  outbox.publish(m, output, { key: `w${w}`, value: { w, i } }),
                );
              }
            })(),
          ),
        );
        await eventually(async () => (await outbox.pendingCount()) === 0, 'outbox drained');
        const out = await readAll(output, writers * perWriter, 20_000);
        expect(out).toHaveLength(writers * perWriter);
        expect(new Set(out.map((r) => r.headers['message-id'])).size).toBe(writers * perWriter);
      } finally {
        await second.close();
      }
    });

    it('two app instances relaying one table publish every row once (SKIP LOCKED)', async () => {
      const output = uniqueName('out');
      await createTopic(output, 2);
      const first = await ledger.start({ options: relay({ batchSize: 5 }) });
      const second = await startTestApp({ db: ledger.db, options: relay({ batchSize: 5 }) });
      try {
        const outbox = first.get(OutboxService);
        for (let i = 0; i < 60; i++) {
          await ledger.db.dataSource.transaction((m) =>
            outbox.publish(m, output, { key: `k${i % 6}`, value: { i } }),
          );
        }
        await eventually(async () => (await outbox.pendingCount()) === 0, 'outbox drained');
        const out = await readAll(output, 60, 20_000);
        expect(out).toHaveLength(60);
        expect(new Set(out.map((r) => r.headers['message-id'])).size).toBe(60);
      } finally {
        await second.close();
      }
    });
  }
});
