import type { OutgoingRecord, ProducerClient, RecordOutcome } from '../kafka/kafka-port';
import { DeliveryDeadline, type DeliveryDeadlineSettings } from './delivery-deadline';
import { DeliveryTimeoutError } from './errors/delivery-timeout.error';
import { UnknownTopicError } from './errors/unknown-topic.error';

/** A client whose attempts fail with the given errors, in order, then succeed. */
function client(
  failures: Error[],
  transient: (error: unknown) => boolean,
  unknownTopic: (error: unknown) => boolean = () => false,
): ProducerClient & {
  attempts: number;
} {
  return {
    attempts: 0,
    connect: async () => undefined,
    disconnect: async () => undefined,
    isTransient: transient,
    isUnknownTopic: unknownTopic,
    async sendOnce(topic: string, records: OutgoingRecord[]): Promise<RecordOutcome[]> {
      const failure = failures[this.attempts++];
      if (failure) throw failure;
      return records.map((_, i) => ({
        status: 'sent',
        sent: { topic, partition: 0, offset: String(i) },
      }));
    },
  };
}

const record: OutgoingRecord = { key: 'k', value: 'v' };
const isTransient = (error: unknown) => /^(transient|unknown topic)/.test((error as Error).message);
const isUnknownTopic = (error: unknown) => (error as Error).message.startsWith('unknown topic');
const settings = (overrides: Partial<DeliveryDeadlineSettings>): DeliveryDeadlineSettings => ({
  deliveryTimeoutMs: 60_000,
  retryBackoffMs: 1,
  unknownTopicTimeoutMs: 30_000,
  ...overrides,
});

/** The send's outcome so far, read after the fake clock was moved. */
function watch(promise: Promise<unknown>): { settled?: 'resolved' | 'rejected'; error?: unknown } {
  const state: { settled?: 'resolved' | 'rejected'; error?: unknown } = {};
  promise.then(
    () => (state.settled = 'resolved'),
    (error: unknown) => Object.assign(state, { settled: 'rejected', error }),
  );
  return state;
}

describe('DeliveryDeadline', () => {
  it('tries a transient failure again within the delivery timeout', async () => {
    const flaky = client([new Error('transient 1'), new Error('transient 2')], isTransient);
    const deadline = new DeliveryDeadline(flaky, settings({}));
    await expect(deadline.send('orders', [record])).resolves.toEqual([
      { topic: 'orders', partition: 0, offset: '0' },
    ]);
    expect(flaky.attempts).toBe(3);
  });

  it('fails at once, with the client error as is, when the failure is not transient', async () => {
    const refused = new Error('not authorized');
    const strict = client([refused], isTransient);
    const deadline = new DeliveryDeadline(strict, settings({}));
    await expect(deadline.send('orders', [record])).rejects.toBe(refused);
    expect(strict.attempts).toBe(1);
  });

  it('a transient failure past the delivery timeout is a DeliveryTimeoutError caused by it', async () => {
    const down = new Error('transient: broker down');
    const failing = client(Array(1_000).fill(down), isTransient);
    // The next pause (retryBackoffMs) would end past the deadline: no attempt after the first.
    const deadline = new DeliveryDeadline(
      failing,
      settings({ deliveryTimeoutMs: 50, retryBackoffMs: 100, unknownTopicTimeoutMs: 50 }),
    );
    const error = await deadline.send('orders', [record]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect(error).toMatchObject({ code: 'RK_DELIVERY_TIMEOUT', topic: 'orders', timeoutMs: 50 });
    expect((error as Error).cause).toBe(down);
  });

  describe('record by record', () => {
    /** A client answering each attempt's records with `answer`, keeping what each attempt sent. */
    function answering(answer: (record: OutgoingRecord, attempt: number) => RecordOutcome) {
      const attempts: OutgoingRecord[][] = [];
      const recordClient: ProducerClient = {
        ...client([], isTransient),
        sendOnce: async (_topic, records) => {
          attempts.push(records);
          return records.map((r) => answer(r, attempts.length));
        },
      };
      return { recordClient, attempts };
    }
    const sent = (offset: string): RecordOutcome => ({
      status: 'sent',
      sent: { topic: 'orders', partition: 0, offset },
    });
    const records: OutgoingRecord[] = ['a', 'b', 'c'].map((key) => ({ key, value: key }));

    it('a record failed for good fails alone; the records written beside it are acknowledged, not sent again', async () => {
      const refused = new Error('record refused');
      const { recordClient, attempts } = answering((r) =>
        r.key === 'b' ? { status: 'failed', error: refused } : sent(String(r.key)),
      );
      const outcomes = await new DeliveryDeadline(recordClient, settings({})).sendEach(
        'orders',
        records,
      );
      expect(outcomes).toEqual([sent('a'), { status: 'failed', error: refused }, sent('c')]);
      expect(attempts).toHaveLength(1);
      // Where the whole send must succeed (a dead letter), the record's failure is the send's.
      await expect(
        new DeliveryDeadline(recordClient, settings({})).send('orders', records),
      ).rejects.toBe(refused);
    });

    it('a record failing transiently is sent again alone within the delivery timeout', async () => {
      const { recordClient, attempts } = answering((r, attempt) =>
        r.key === 'b' && attempt < 3
          ? { status: 'failed', error: new Error('transient: not yet') }
          : sent(`${String(r.key)}${attempt}`),
      );
      const outcomes = await new DeliveryDeadline(recordClient, settings({})).sendEach(
        'orders',
        records,
      );
      expect(outcomes).toEqual([sent('a1'), sent('b3'), sent('c1')]);
      expect(attempts.map((a) => a.map((r) => r.key))).toEqual([['a', 'b', 'c'], ['b'], ['b']]);
    });

    it('a record still failing transiently at the delivery timeout is a DeliveryTimeoutError caused by it; the others stay written', async () => {
      const notYet = new Error('transient: not yet');
      const { recordClient } = answering((r) =>
        r.key === 'b' ? { status: 'failed', error: notYet } : sent(String(r.key)),
      );
      const deadline = new DeliveryDeadline(
        recordClient,
        settings({ deliveryTimeoutMs: 50, retryBackoffMs: 100, unknownTopicTimeoutMs: 50 }),
      );
      const [a, b, c] = await deadline.sendEach('orders', records);
      expect([a, c]).toEqual([sent('a'), sent('c')]);
      expect(b).toMatchObject({ status: 'failed', error: expect.any(DeliveryTimeoutError) });
      expect(((b as { error: Error }).error as Error).cause).toBe(notYet);
    });
  });

  describe('unknown topic (attempts 1 s apart on a fake clock)', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());
    const unknown = new Error('unknown topic');
    const down = new Error('transient: connection lost');
    const oneSecondApart = { retryBackoffMs: 1_000 };

    it('fails with UnknownTopicError at the configured patience, not before', async () => {
      const missing = client(Array(1_000).fill(unknown), isTransient, isUnknownTopic);
      const deadline = new DeliveryDeadline(
        missing,
        settings({ ...oneSecondApart, unknownTopicTimeoutMs: 5_000 }),
      );
      const send = watch(deadline.send('orders', [record]));

      await jest.advanceTimersByTimeAsync(4_999);
      expect(send.settled).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(send.error).toBeInstanceOf(UnknownTopicError);
      expect(send.error).toMatchObject({ code: 'RK_UNKNOWN_TOPIC', topic: 'orders' });
      expect((send.error as Error).cause).toBe(unknown);
      expect(missing.attempts).toBe(6); // at 0, 1, 2, 3, 4 and 5 s
    });

    it('other failures in between neither restart the wait nor end it', async () => {
      // "unknown topic" at 0 s, connection errors from 1 s to 6 s (past the 5 s patience), then
      // "unknown topic" again at 7 s: that answer ends the wait, counted from 0 s.
      const answers = [unknown, ...Array(6).fill(down), ...Array(1_000).fill(unknown)];
      const missing = client(answers, isTransient, isUnknownTopic);
      const deadline = new DeliveryDeadline(
        missing,
        settings({ ...oneSecondApart, unknownTopicTimeoutMs: 5_000 }),
      );
      const send = watch(deadline.send('orders', [record]));

      await jest.advanceTimersByTimeAsync(6_999);
      expect(send.settled).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(send.error).toBeInstanceOf(UnknownTopicError);
      expect(missing.attempts).toBe(8);
    });

    it('a topic that appears within the patience is sent to', async () => {
      const appearing = client(Array(4).fill(unknown), isTransient, isUnknownTopic);
      const deadline = new DeliveryDeadline(
        appearing,
        settings({ ...oneSecondApart, unknownTopicTimeoutMs: 5_000 }),
      );
      const send = watch(deadline.send('orders', [record]));

      await jest.advanceTimersByTimeAsync(4_000);
      expect(send.settled).toBe('resolved');
      expect(appearing.attempts).toBe(5);
    });

    it('the delivery timeout wins when it ends first and the last answer was not "unknown topic"', async () => {
      // "unknown topic" at 0 s, then connection errors: the 8 s delivery timeout ends the send
      // before any "unknown topic" answer could end the 6 s patience.
      const answers = [unknown, ...Array(1_000).fill(down)];
      const missing = client(answers, isTransient, isUnknownTopic);
      const deadline = new DeliveryDeadline(
        missing,
        settings({ ...oneSecondApart, deliveryTimeoutMs: 8_000, unknownTopicTimeoutMs: 6_000 }),
      );
      const send = watch(deadline.send('orders', [record]));

      await jest.advanceTimersByTimeAsync(8_000);
      expect(send.error).toBeInstanceOf(DeliveryTimeoutError);
      expect(send.error).toMatchObject({ timeoutMs: 8_000 });
      expect((send.error as Error).cause).toBe(down);
    });

    it('a topic still unknown when the delivery timeout ends is an UnknownTopicError (the patience as long as the timeout, its default for one of 30 s or less)', async () => {
      const missing = client(Array(1_000).fill(unknown), isTransient, isUnknownTopic);
      const deadline = new DeliveryDeadline(
        missing,
        settings({ ...oneSecondApart, deliveryTimeoutMs: 8_000, unknownTopicTimeoutMs: 8_000 }),
      );
      const send = watch(deadline.send('orders', [record]));

      // The attempt at 7 s is the last: a pause after it would end at the deadline.
      await jest.advanceTimersByTimeAsync(6_999);
      expect(send.settled).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(send.error).toBeInstanceOf(UnknownTopicError);
      expect((send.error as Error).cause).toBe(unknown);
      expect(missing.attempts).toBe(8);
    });

    it('an attempt still in flight at the delivery timeout after an "unknown topic" answer is an UnknownTopicError', async () => {
      const answers = Array(3).fill(unknown);
      const hanging: ProducerClient = {
        ...client([], isTransient, isUnknownTopic),
        sendOnce: async () => {
          const answer = answers.shift();
          if (answer) throw answer;
          return new Promise<never>(() => undefined);
        },
      };
      const deadline = new DeliveryDeadline(
        hanging,
        settings({ ...oneSecondApart, deliveryTimeoutMs: 8_000, unknownTopicTimeoutMs: 8_000 }),
      );
      const send = watch(deadline.send('orders', [record]));

      await jest.advanceTimersByTimeAsync(7_999);
      expect(send.settled).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(send.error).toBeInstanceOf(UnknownTopicError);
      expect((send.error as Error).cause).toBe(unknown);
    });
  });
});
