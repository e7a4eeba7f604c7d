import type { HandlerDefinition } from '../discovery/handler-definition';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import { processByKey } from './key-concurrent-processing';
import type { DeliveryResult, MessageProcessor } from './message-processor';
import type { PartitionRun } from './partition-run';
import { PartitionState } from './partition-state';

const record = (offset: number, key: string) =>
  ({
    topic: 't',
    partition: 0,
    offset: String(offset),
    key: Buffer.from(key),
    value: null,
    headers: {},
    rawHeaders: {},
    timestamp: '0',
  }) as KafkaMessageRecord;

/** A processor whose deliveries end when the test says so, and a run that finishes as the consumer does. */
function harness(records: KafkaMessageRecord[], failFinishing?: { offset: string; error: Error }) {
  const log: string[] = [];
  const pending = new Map<string, () => void>();
  const state = new PartitionState('t', 0);
  const processor = {
    deliver: (r: KafkaMessageRecord) => {
      log.push(`deliver ${r.offset}`);
      return new Promise<DeliveryResult>((resolve) =>
        pending.set(r.offset, () => resolve({ kind: 'finished' })),
      );
    },
  } as unknown as MessageProcessor;
  const run: PartitionRun = {
    handler: {} as HandlerDefinition,
    records,
    state,
    shouldStop: () => false,
    finished: async (done) => {
      for (const r of done) {
        if (r.offset === failFinishing?.offset) throw failFinishing.error;
        state.tracker.finish(r.offset);
        log.push(`finished ${r.offset}`);
      }
    },
    retryLater: () => log.push('retry later'),
  };
  const endAll = () => pending.forEach((finish) => finish());
  return { log, state, processor, run, endAll };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('processByKey', () => {
  it('finishes a record that had finished before an abandoned one without delivering it again', async () => {
    const records = [record(0, 'a'), record(1, 'b'), record(2, 'c'), record(3, 'd')];
    const { log, state, processor, run, endAll } = harness(records);
    // 1 and 2 finished past 0, which was then sent back for a retry.
    for (const offset of ['0', '1', '2']) state.tracker.start(offset);
    state.tracker.finish('1');
    state.tracker.finish('2');
    state.tracker.abandonUnfinished();

    const done = processByKey(run, processor, 4);
    await settle();
    endAll(); // whatever was delivered
    await done;

    expect(log.filter((line) => line.startsWith('deliver'))).toEqual(['deliver 0', 'deliver 3']);
    expect(log.filter((line) => line.startsWith('finished')).sort()).toEqual([
      'finished 0',
      'finished 1',
      'finished 2',
      'finished 3',
    ]);
    expect(state.tracker.nextOffset()).toBe('4');
  });

  it('when finishing a remembered record fails, starts nothing more and throws once the records in flight have ended', async () => {
    const records = [record(0, 'a'), record(1, 'b'), record(2, 'c'), record(3, 'd')];
    const rebalance = new Error('The coordinator is not aware of this member');
    const { log, state, processor, run, endAll } = harness(records, {
      offset: '1',
      error: rebalance,
    });
    state.tracker.start('0');
    state.tracker.start('1');
    state.tracker.finish('1');
    state.tracker.abandonUnfinished();

    let outcome: unknown = 'pending';
    const done = processByKey(run, processor, 2).then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = error),
    );
    await settle();
    expect(outcome).toBe('pending'); // record 0 is still in its handler
    endAll();
    await done;

    expect(outcome).toBe(rebalance);
    expect(log).toEqual(['deliver 0', 'finished 0']);
    expect(state.tracker.inFlight).toBe(1); // only 1, whose finishing failed: 2 and 3 never started
  });
});
