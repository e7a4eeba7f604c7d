import { Logger } from '@nestjs/common';
import type { DedupStore } from '../dedup/dedup-store';
import type { HandlerDefinition } from '../discovery/handler-definition';
import { MAX_SAFE_TEXT } from '../errors/safe-text';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import type { TransactionScope } from '../pipeline/handler-transaction';
import { BatchTransactionProcessing } from './batch-transaction-processing';
import type { MessageProcessor } from './message-processor';
import type { PartitionRun } from './partition-run';
import { PartitionState } from './partition-state';

const record = (offset: string): KafkaMessageRecord => ({
  topic: 'orders',
  partition: 0,
  offset,
  key: null,
  value: Buffer.from('{}'),
  headers: {},
  rawHeaders: {},
  timestamp: '1700000000000',
});

const handler = {
  id: 'Orders.place',
  groupId: 'g',
  kind: 'record',
  retryTopics: [],
  decode: (value: Buffer | null) => value,
  idempotency: {},
} as unknown as HandlerDefinition;

/** The run's one transaction fails with `thrown`; the records are then redone one at a time. */
async function rollBackWith(thrown: unknown): Promise<{ logged: string[]; redone: string[] }> {
  const logged: string[] = [];
  jest
    .spyOn(Logger.prototype, 'debug')
    .mockImplementation((message: unknown) => void logged.push(String(message)));
  const redone: string[] = [];
  const processor = {
    deliver: async (r: KafkaMessageRecord) => {
      redone.push(r.offset);
      return { kind: 'finished' };
    },
  } as unknown as MessageProcessor;
  const transactions: TransactionScope = {
    run: async () => {
      throw thrown;
    },
  };
  const processing = new BatchTransactionProcessing(
    transactions,
    {} as DedupStore,
    processor,
    new ReliableKafkaEvents(),
  );
  const run: PartitionRun = {
    handler,
    records: [record('1'), record('2')],
    state: new PartitionState('orders', 0),
    shouldStop: () => false,
    finished: async () => undefined,
    retryLater: () => undefined,
  };
  await processing.process(run, 10);
  return { logged, redone };
}

describe('BatchTransactionProcessing: the log line of a rolled-back run', () => {
  afterEach(() => jest.restoreAllMocks());

  it("names the handler's error as every log line does: one bounded line of safe text", async () => {
    const { logged, redone } = await rollBackWith(
      new Error(`Invalid order {"card":"4111 1111"}\nforged log line\u0000${'x'.repeat(5_000)}`),
    );
    expect(redone).toEqual(['1', '2']);
    expect(logged).toHaveLength(1);
    const [line] = logged;
    expect(line).toMatch(
      /^Orders\.place: batch of 2 rolled back \(Error: Invalid order \{"card":"4111 1111"\} forged log line x+…\); redoing one by one$/,
    );
    expect(line.length).toBeLessThan(MAX_SAFE_TEXT + 100);
  });

  it('a value that cannot be described: the run is still redone one record at a time', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const { logged, redone } = await rollBackWith(proxy);
    expect(redone).toEqual(['1', '2']);
    expect(logged).toEqual([
      'Orders.place: batch of 2 rolled back (object: (cannot be described)); redoing one by one',
    ]);
  });
});
