import { Injectable, Logger } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  Ctx,
  DeadLetterHeaders,
  DeliveryStats,
  Idempotent,
  Payload,
  ReliableKafkaContext,
  ReliableKafkaEvents,
} from '@reliable-kafka/nestjs';
import { createTopic, eventually, produce, readAll, uniqueName } from '../support/kafka';
import { applyCredit, type Credit, creditMessage } from '../support/ledger/credit';
import { useLedgerApp } from '../support/ledger/ledger-app';
import { LedgerEntry } from '../support/ledger/ledger.entities';

/** Every line the app logs through Nest's Logger (the library's and kafkajs's), while it runs. */
function captureLogs(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const spies = (['log', 'warn', 'error', 'debug', 'verbose'] as const).map((level) =>
    jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    }),
  );
  return { lines, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

/** `{"id":"u8-<byte>","account":...,"amount":...}`: JSON around one byte that is not UTF-8. */
function orderWithByte(byte: number, account: string, amount: number): Buffer {
  return Buffer.concat([
    Buffer.from('{"id":"u8-'),
    Buffer.from([byte]),
    Buffer.from(`","account":"${account}","amount":${amount}}`),
  ]);
}

describe('poison records: strict decoding, no payload in logs or headers (postgres, real broker)', () => {
  const ledger = useLedgerApp('postgres');
  const entries = (key: string) =>
    ledger.db.dataSource.getRepository(LedgerEntry).countBy({ idempotencyKey: key });

  it('two orders that differ only in a byte that is not UTF-8 are both dead-lettered with their reason, neither counted as a duplicate', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);
    const account = uniqueName('a');

    @Injectable()
    class Orders {
      @AtLeastOnceHandler({ topics: topic })
      @Idempotent((m) => (m.payload as Credit).id)
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        await applyCredit(context.entityManager, credit, context);
      }
    }

    const app = await ledger.start({ providers: [Orders] });
    const first = orderWithByte(0xff, account, 5);
    const second = orderWithByte(0xfe, account, 7);
    await produce(topic, [
      { key: account, value: first },
      { key: account, value: second },
      { key: account, value: JSON.stringify({ id: 'u8-ok', account, amount: 1 }) },
    ]);
    const stats = app.get(DeliveryStats);
    await eventually(() => stats.get().processed === 1, 'the valid order applied');
    await eventually(() => stats.get().deadLettered === 2, 'both invalid orders dead-lettered');

    expect(stats.get().duplicates).toBe(0);
    expect(await entries('u8-\uFFFD')).toBe(0);
    expect(await entries('u8-ok')).toBe(1);
    const dead = await readAll(`${topic}.dlq`, 2);
    expect(dead.map((d) => d.value)).toEqual([first, second]);
    for (const d of dead) {
      expect(d.headers[DeadLetterHeaders.errorClass]).toBe('PayloadDecodeError');
      expect(d.headers[DeadLetterHeaders.errorCode]).toBe('RK_PAYLOAD_DECODE');
      expect(d.headers[DeadLetterHeaders.errorMessage]).toBe(
        `Payload is not valid UTF-8: invalid byte sequence at byte offset 10 of ${first.length}`,
      );
    }
  });

  it('a payload that is not JSON: the log line, the dlq-error-message and the event say where and how long, never what it said', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);

    @Injectable()
    class Orders {
      @AtLeastOnceHandler({ topics: topic })
      async credit() {}
    }

    const logs = captureLogs();
    try {
      const app = await ledger.start({ providers: [Orders] });
      const messages: string[] = [];
      app.get(ReliableKafkaEvents).on('dead-lettered', (e) => {
        const error = e.error as Error;
        messages.push(error.message, String((error.cause as Error | undefined)?.message ?? ''));
      });
      // Personal data in payloads that JSON.parse quotes back in its message.
      const unquoted = '{"name": Alice Smith, "iban": "DE89370400440532013000"}';
      const cut = '{"name":"Alice Smith","iban":"DE8937"';
      await produce(topic, [
        { key: 'k', value: Buffer.from(unquoted) },
        { key: 'k', value: Buffer.from(cut) },
      ]);
      await eventually(() => app.get(DeliveryStats).get().deadLettered === 2, 'dead-lettered');

      const dead = await readAll(`${topic}.dlq`, 2);
      const written = [
        ...logs.lines,
        ...messages,
        ...dead.flatMap((d) =>
          Object.entries(d.headers)
            .filter(([name]) => name.startsWith('dlq-'))
            .map(([, value]) => String(value)),
        ),
      ];
      expect(logs.lines.some((line) => line.includes('PayloadDecodeError'))).toBe(true);
      for (const text of written) expect(text).not.toMatch(/Alice|Smith|DE89|iban|name/);
      expect(dead.map((d) => d.headers[DeadLetterHeaders.errorMessage])).toEqual([
        `Payload is not valid JSON: syntax error in a value of ${unquoted.length} bytes`,
        `Payload is not valid JSON: syntax error at byte offset ${cut.length} of ${cut.length}`,
      ]);
      // The dead-letter record itself keeps the value byte for byte.
      expect(dead[0].value?.toString()).toContain('Alice Smith');
    } finally {
      logs.restore();
    }
  });

  it("a handler's error message with NUL, newlines and 5,000 characters: dlq-error-message is one bounded line of valid text", async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);

    @Injectable()
    class Orders {
      @AtLeastOnceHandler({ topics: topic, retry: { maxAttempts: 1 } })
      async credit() {
        throw new Error(`bad\u0000order\nforged: line\r\u001b[31m${'x'.repeat(5_000)}`);
      }
    }

    const logs = captureLogs();
    try {
      const app = await ledger.start({ providers: [Orders] });
      await produce(topic, [creditMessage({ id: 'nul-1', account: 'a', amount: 1 })]);
      await eventually(() => app.get(DeliveryStats).get().deadLettered === 1, 'dead-lettered');

      const [dead] = await readAll(`${topic}.dlq`, 1);
      const message = dead.headers[DeadLetterHeaders.errorMessage] as string;
      expect(message.startsWith('bad order forged: line  [31mxxx')).toBe(true);
      expect(message).toHaveLength(1_000);
      expect(message.endsWith('…')).toBe(true);
      // eslint-disable-next-line no-control-regex -- control characters are what it looks for
      expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      expect(dead.headers['idempotency-key']).toBe('nul-1');
      // The log line says it on one line too: no NUL, no forged second line.
      const logged = logs.lines.filter((line) => line.includes('dead-lettered'));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain('bad order forged: line');
      // eslint-disable-next-line no-control-regex -- control characters are what it looks for
      expect(logged[0]).not.toMatch(/[\u0000-\u001f]/);
    } finally {
      logs.restore();
    }
  });

  it('a key function that throws: dead-lettered at once (one call, no retry), the partition moves on, the error names the key function', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);
    let keyCalls = 0;

    @Injectable()
    class Orders {
      @AtLeastOnceHandler({
        topics: topic,
        // Were it retried, the record after it would wait 4 × 10 s.
        retry: { maxAttempts: 5, backoff: { type: 'fixed', delayMs: 10_000 } },
      })
      @Idempotent((m) => {
        const credit = m.payload as Credit & { ref?: { no: string } };
        if (credit.id !== 'key-throws') return credit.id;
        keyCalls++;
        return credit.ref!.no; // no ref: a TypeError
      })
      async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
        await applyCredit(context.entityManager, credit, context);
      }
    }

    const logs = captureLogs();
    try {
      const app = await ledger.start({ providers: [Orders] });
      const stats = app.get(DeliveryStats);
      await produce(topic, [
        creditMessage({ id: 'key-throws', account: 'Alice Smith', amount: 1 }),
        creditMessage({ id: 'after', account: 'b', amount: 1 }),
      ]);
      await eventually(
        () => stats.get().deadLettered === 1 && stats.get().processed === 1,
        'dead-lettered, then the next record applied',
      );

      expect(keyCalls).toBe(1);
      expect(stats.get().retries).toBe(0);
      expect(await entries('after')).toBe(1);
      const [dead] = await readAll(`${topic}.dlq`, 1);
      expect(dead.headers[DeadLetterHeaders.errorClass]).toBe('IdempotencyKeyFunctionError');
      expect(dead.headers[DeadLetterHeaders.errorCode]).toBe('RK_IDEMPOTENCY_KEY_FUNCTION');
      expect(dead.headers[DeadLetterHeaders.attempts]).toBe('1');
      expect(dead.headers[DeadLetterHeaders.errorMessage]).toBe(
        `Handler Orders.credit: its @Idempotent key function failed for ${topic}[0]@0 (TypeError)`,
      );
      for (const line of logs.lines) expect(line).not.toContain('Alice');
    } finally {
      logs.restore();
    }
  });
});
