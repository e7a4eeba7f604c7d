import { Logger } from '@nestjs/common';
import type { DedupStore } from '../dedup/dedup-store';
import type { HandlerDefinition } from '../discovery/handler-definition';
import { UNDESCRIBABLE } from '../errors/thrown-value';
import { DeadLetterHeaders } from '../failure/dead-letter.headers';
import { DeadLetterPublisher } from '../failure/dead-letter-publisher';
import type { RetryTopicPublisher } from '../failure/retry-topic-publisher';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import type { OutgoingRecord, RecordSender } from '../kafka/kafka-port';
import { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import type { TransactionScope } from '../pipeline/handler-transaction';
import { newDeliveryState } from './delivery-state';
import { MessageProcessor } from './message-processor';

const record: KafkaMessageRecord = {
  topic: 'orders',
  partition: 0,
  offset: '7',
  key: null,
  value: Buffer.from('{}'),
  headers: {},
  rawHeaders: {},
  timestamp: '1700000000000',
};

/** A handler of `orders` with one retry topic, whose only attempt runs `invoke`. */
const handlerThat = (invoke: () => Promise<unknown>): HandlerDefinition =>
  ({
    id: 'Orders.place',
    groupId: 'g',
    kind: 'record',
    retry: { maxAttempts: 1, maxTotalMs: 60_000, backoff: { type: 'fixed', initialMs: 1 } },
    retryTopics: [{ topic: 'orders.retry.1', source: 'orders' }],
    deadLetterTopic: (source: string) => `${source}.dlq`,
    decode: (value: Buffer | null) => value,
    idempotency: {},
    invoke,
  }) as unknown as HandlerDefinition;

const throwing = (thrown: () => unknown) =>
  handlerThat(async () => {
    throw thrown();
  });

/** A processor whose dead letters are kept in `sent`, with the topic each went to. */
function processorKeeping(sent: Array<{ topic: string; record: OutgoingRecord }>) {
  const sender: RecordSender = {
    send: async (topic, records) => {
      sent.push(...records.map((r) => ({ topic, record: r })));
      return [];
    },
  };
  return new MessageProcessor(
    {} as TransactionScope,
    {} as DedupStore,
    new DeadLetterPublisher(sender),
    new ReliableKafkaEvents(),
    {} as RetryTopicPublisher,
  );
}

class GetterThrows extends Error {
  override get message(): string {
    throw new Error('message getter');
  }
}

const revokedProxy = () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};

// String() refuses a toString that returns an object.
const badToString = { toString: () => ({}) };
const throwingToString = {
  toString(): string {
    throw new Error('toString');
  },
};

describe('MessageProcessor: a handler throwing what cannot be described', () => {
  const logged: string[] = [];
  beforeEach(() => {
    logged.length = 0;
    jest
      .spyOn(Logger.prototype, 'warn')
      .mockImplementation((m: unknown) => void logged.push(String(m)));
    jest
      .spyOn(Logger.prototype, 'error')
      .mockImplementation((m: unknown) => void logged.push(String(m)));
  });
  afterEach(() => jest.restoreAllMocks());

  it.each<[string, () => unknown, string, string]>([
    ['a null-prototype object', () => Object.create(null), 'object', UNDESCRIBABLE],
    ['an object whose toString throws', () => throwingToString, 'Object', UNDESCRIBABLE],
    ['an object whose toString returns no string', () => badToString, 'Object', UNDESCRIBABLE],
    ['a Symbol', () => Symbol('boom'), 'symbol', 'Symbol(boom)'],
    ['a BigInt', () => 12n, 'bigint', '12'],
    ['a revoked Proxy', revokedProxy, 'object', UNDESCRIBABLE],
    [
      'an Error subclass whose message getter throws',
      () => new GetterThrows(),
      'Error',
      UNDESCRIBABLE,
    ],
  ])(
    '%s: dead-lettered, described, the offset free to commit',
    async (_what, thrown, errorClass, errorMessage) => {
      const sent: Array<{ topic: string; record: OutgoingRecord }> = [];
      const processor = processorKeeping(sent);

      const result = await processor.deliver(record, throwing(thrown), newDeliveryState('7'));

      expect(result).toEqual({ kind: 'finished' });
      expect(sent).toHaveLength(1);
      expect(sent[0].topic).toBe('orders.dlq');
      expect(sent[0].record.headers).toMatchObject({
        [DeadLetterHeaders.errorClass]: errorClass,
        [DeadLetterHeaders.errorMessage]: errorMessage,
      });
      expect(logged).toEqual([
        expect.stringContaining('dead-lettered to orders.dlq after 1 attempt(s)'),
      ]);
    },
  );
});

describe('MessageProcessor: a record whose origin headers are malformed', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it("is dead-lettered with the reason, to its source's dead-letter topic, reported where it is, never keyed by NaN", async () => {
    const onRetryTopic: KafkaMessageRecord = {
      ...record,
      topic: 'orders.retry.1',
      offset: '3',
      headers: {
        'retry-original-topic': 'orders',
        'retry-original-partition': 'abc',
        'retry-original-offset': '900',
      },
    };
    const invoked = jest.fn(async () => undefined);
    const sent: Array<{ topic: string; record: OutgoingRecord }> = [];

    const result = await processorKeeping(sent).deliver(
      onRetryTopic,
      handlerThat(invoked),
      newDeliveryState('3'),
    );

    expect(result).toEqual({ kind: 'finished' });
    expect(invoked).not.toHaveBeenCalled();
    expect(sent.map((s) => s.topic)).toEqual(['orders.dlq']);
    expect(sent[0].record.headers).toMatchObject({
      [DeadLetterHeaders.originalTopic]: 'orders.retry.1',
      [DeadLetterHeaders.originalPartition]: '0',
      [DeadLetterHeaders.originalOffset]: '3',
      [DeadLetterHeaders.errorClass]: 'MalformedRecordOriginError',
      [DeadLetterHeaders.errorCode]: 'RK_MALFORMED_RECORD_ORIGIN',
      [DeadLetterHeaders.errorMessage]:
        'orders.retry.1[0]@3: header "retry-original-partition" is missing or not a partition (a non-negative integer in canonical decimal)',
    });
  });
});

describe('MessageProcessor: a retry.classify that throws', () => {
  afterEach(() => jest.restoreAllMocks());

  it('is warned of once for its handler, without the message of what it threw', async () => {
    const warned: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((m: unknown) => {
      if (String(m).includes('retry.classify')) warned.push(String(m));
    });
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const failing = throwing(() => new Error('boom'));
    const handler = {
      ...failing,
      retry: {
        ...failing.retry,
        maxAttempts: 3,
        backoff: { type: 'fixed', delayMs: 1 },
        classify: () => {
          throw new TypeError('amount of {"card":"4111"}');
        },
      },
    } as HandlerDefinition;
    const processor = processorKeeping([]);

    for (const offset of ['7', '8']) {
      const result = await processor.deliver(
        { ...record, offset },
        handler,
        newDeliveryState(offset),
      );
      expect(result).toMatchObject({ kind: 'retry' });
    }

    expect(warned).toEqual([
      expect.stringMatching(/^Orders\.place: its retry\.classify threw TypeError;/),
    ]);
    expect(warned[0]).not.toContain('4111');
  });
});
