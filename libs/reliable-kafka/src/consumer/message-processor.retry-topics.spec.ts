import { Logger } from '@nestjs/common';
import type { DedupStore } from '../dedup/dedup-store';
import type { HandlerDefinition } from '../discovery/handler-definition';
import { DeadLetterHeaders } from '../failure/dead-letter.headers';
import { DeadLetterPublisher } from '../failure/dead-letter-publisher';
import { RetryTopicPublisher } from '../failure/retry-topic-publisher';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import type { OutgoingRecord, RecordSender } from '../kafka/kafka-port';
import { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import type { RetryOptions } from '../options/retry.options';
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

/**
 * A handler of `orders` with two retry topics whose attempts throw `thrown()`, its retry
 * settings those given.
 */
const throwing = (thrown: () => unknown, retry: Partial<RetryOptions> = {}): HandlerDefinition =>
  ({
    id: 'Orders.place',
    groupId: 'g',
    kind: 'record',
    retry: {
      maxAttempts: 1,
      maxTotalMs: 60_000,
      backoff: { type: 'fixed', initialMs: 1 },
      topics: { delaysMs: [1_000, 5_000] },
      ...retry,
    },
    retryTopics: [
      { topic: 'orders.retry.1', source: 'orders' },
      { topic: 'orders.retry.2', source: 'orders' },
    ],
    deadLetterTopic: (source: string) => `${source}.dlq`,
    decode: (value: Buffer | null) => value,
    idempotency: {},
    invoke: async () => {
      throw thrown();
    },
  }) as unknown as HandlerDefinition;

/** A processor whose dead-letter and retry-topic writes are kept in `sent`. */
function movingProcessor(sent: Array<{ topic: string; record: OutgoingRecord }>) {
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
    new RetryTopicPublisher(sender),
  );
}

describe('MessageProcessor with retry topics', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it.each<[string, Partial<RetryOptions>]>([
    ["classify: () => 'retriable'", { classify: () => 'retriable' }],
    ['retriable: [Error]', { retriable: [Error] }],
  ])(
    'a malformed origin is dead-lettered at once under %s, never moved (its move cannot be written)',
    async (_setting, classification) => {
      // A lone timestamp, as a forwarded record may carry: no topic, partition or offset to key by.
      const stray: KafkaMessageRecord = {
        ...record,
        headers: { 'retry-original-timestamp': '1700000000000' },
      };
      const sent: Array<{ topic: string; record: OutgoingRecord }> = [];
      const handler = throwing(() => new Error('never called'), classification);

      const result = await movingProcessor(sent).deliver(stray, handler, newDeliveryState('7'));

      expect(result).toEqual({ kind: 'finished' });
      expect(sent.map((s) => s.topic)).toEqual(['orders.dlq']);
      expect(sent[0].record.headers).toMatchObject({
        [DeadLetterHeaders.errorClass]: 'MalformedRecordOriginError',
      });
    },
  );

  it('a record keyed by its header, its origin headers stray, is moved with its own coordinates as origin', async () => {
    const forwarded: KafkaMessageRecord = {
      ...record,
      headers: { 'idempotency-key': 'order-7', 'retry-original-timestamp': '1600000000000' },
      rawHeaders: {
        'idempotency-key': Buffer.from('order-7'),
        'retry-original-timestamp': Buffer.from('1600000000000'),
      },
    };
    const sent: Array<{ topic: string; record: OutgoingRecord }> = [];
    const handler = throwing(() => new Error('failing'));

    const result = await movingProcessor(sent).deliver(forwarded, handler, newDeliveryState('7'));

    expect(result).toEqual({ kind: 'finished' });
    expect(sent.map((s) => s.topic)).toEqual(['orders.retry.1']);
    expect(sent[0].record.headers).toMatchObject({
      'idempotency-key': Buffer.from('order-7'),
      'retry-original-topic': 'orders',
      'retry-original-partition': '0',
      'retry-original-offset': '7',
      'retry-original-timestamp': '1700000000000',
    });
  });

  it("a replay of a record dead-lettered from a retry topic moves on to its source's next retry topic", async () => {
    // The replayer sends such a dead letter back to orders.retry.1, its origin headers naming it.
    const replayed: KafkaMessageRecord = {
      ...record,
      topic: 'orders.retry.1',
      offset: '12',
      headers: {
        'retry-original-topic': 'orders.retry.1',
        'retry-original-partition': '0',
        'retry-original-offset': '3',
      },
    };
    const sent: Array<{ topic: string; record: OutgoingRecord }> = [];
    const handler = throwing(() => new Error('still failing'));

    const result = await movingProcessor(sent).deliver(replayed, handler, newDeliveryState('12'));

    expect(result).toEqual({ kind: 'finished' });
    expect(sent.map((s) => s.topic)).toEqual(['orders.retry.1']);
    expect(sent[0].record.headers).toMatchObject({
      'retry-original-topic': 'orders.retry.1',
      'retry-original-offset': '3',
    });
  });

  it('a record whose origin names another topic is moved and dead-lettered by the topic it was read from', async () => {
    // A forwarded record copies every header, the origin of another app's retry topic among them.
    const forwarded: KafkaMessageRecord = {
      ...record,
      headers: {
        'retry-original-topic': 'payments',
        'retry-original-partition': '4',
        'retry-original-offset': '80',
      },
    };
    const sent: Array<{ topic: string; record: OutgoingRecord }> = [];
    const handler = throwing(() => new Error('failing'));
    const processor = movingProcessor(sent);

    await processor.deliver(forwarded, handler, newDeliveryState('7'));
    const lastTry = {
      ...forwarded,
      topic: 'orders.retry.2',
      headers: { ...forwarded.headers, 'retry-attempts': '2' },
    };
    await processor.deliver(lastTry, handler, newDeliveryState('7'));

    expect(sent.map((s) => s.topic)).toEqual(['orders.retry.1', 'orders.dlq']);
    expect(sent[1].record.headers).toMatchObject({
      [DeadLetterHeaders.originalTopic]: 'payments',
    });
  });
});
