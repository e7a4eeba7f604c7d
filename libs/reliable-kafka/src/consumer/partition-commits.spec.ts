import { Logger } from '@nestjs/common';
import type { ConsumerClient } from '../kafka/port/consumer-client';
import { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import { PartitionCommits } from './partition-commits';
import { PartitionState } from './partition-state';

/** A partition with offset 0 finished and not committed. */
function finishedPartition(): PartitionState {
  const state = new PartitionState('orders', 0);
  state.tracker.start('0');
  state.tracker.finish('0');
  return state;
}

describe('PartitionCommits: how long an offset waits to be committed', () => {
  it('a failed commit leaves the wait counting from its start; a later success ends it', async () => {
    let fail = true;
    const consumer = {
      commit: async () => {
        if (fail) throw new Error('COORDINATOR_NOT_AVAILABLE');
      },
    } as unknown as ConsumerClient;
    const commits = new PartitionCommits(
      'g',
      () => consumer,
      new ReliableKafkaEvents(),
      new Logger('test'),
    );
    const state = finishedPartition();
    const before = Date.now();
    await expect(commits.commit(state)).rejects.toThrow('COORDINATOR_NOT_AVAILABLE');
    const since = state.status().commitWaitingSince;
    expect(since).toBeGreaterThanOrEqual(before);

    await expect(commits.commit(state)).rejects.toThrow();
    expect(state.status().commitWaitingSince).toBe(since); // still counting from the first

    fail = false;
    await commits.commit(state);
    expect(state.status().commitWaitingSince).toBeNull();
    expect(state.committedOffset).toBe('1');
  });
});
