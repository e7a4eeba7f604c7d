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

/** A handler that throws `thrown` on its only attempt. */
const throwing = (thrown: () => unknown): HandlerDefinition =>
  ({
    id: 'Orders.place',
    groupId: 'g',
    kind: 'record',
    retry: { maxAttempts: 1, maxTotalMs: 60_000, backoff: { type: 'fixed', initialMs: 1 } },
    retryTopics: [],
    deadLetterTopic: (source: string) => `${source}.dlq`,
    decode: (value: Buffer | null) => value,
    idempotency: {},
    invoke: async () => {
      throw thrown();
    },
  }) as unknown as HandlerDefinition;

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
      const sent: OutgoingRecord[] = [];
      const sender: RecordSender = {
        send: async (_topic, records) => {
          sent.push(...records);
          return [];
        },
      };
      const processor = new MessageProcessor(
        {} as TransactionScope,
        {} as DedupStore,
        new DeadLetterPublisher(sender),
        new ReliableKafkaEvents(),
        {} as RetryTopicPublisher,
      );

      const result = await processor.deliver(record, throwing(thrown), newDeliveryState('7'));

      expect(result).toEqual({ kind: 'finished' });
      expect(sent).toHaveLength(1);
      expect(sent[0].headers).toMatchObject({
        [DeadLetterHeaders.errorClass]: errorClass,
        [DeadLetterHeaders.errorMessage]: errorMessage,
      });
      expect(logged).toEqual([
        expect.stringContaining('dead-lettered to orders.dlq after 1 attempt(s)'),
      ]);
    },
  );
});
