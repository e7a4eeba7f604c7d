import type { Logger } from '@nestjs/common';
import type { ConsumerClient } from '../kafka/port/consumer-client';
import { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import { PartitionCommits } from './partition-commits';
import { PartitionState } from './partition-state';

const quiet = { debug: () => undefined, warn: () => undefined } as unknown as Logger;

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
    const commits = new PartitionCommits('g', () => consumer, new ReliableKafkaEvents(), quiet);
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

  function probing(commit: (offset: string) => Promise<void>) {
    const offsets: string[] = [];
    const consumer = {
      commit: async ([c]: { offset: string }[]) => {
        offsets.push(c.offset);
        await commit(c.offset);
      },
    } as unknown as ConsumerClient;
    const commits = new PartitionCommits('g', () => consumer, new ReliableKafkaEvents(), quiet);
    return { commits, offsets };
  }

  /** A partition whose offset 5 was committed `agoMs` ago, with nothing finished since. */
  function committed(partition: number, agoMs: number): PartitionState {
    const state = new PartitionState('orders', partition);
    state.committedOffset = '5';
    state.ownCommit = '5';
    state.lastCommitAt = Date.now() - agoMs;
    return state;
  }

  it('the probe commits the committed offset again on the idle partition committed longest ago, once it is idleMs old', async () => {
    const { commits, offsets } = probing(async () => undefined);
    const fresh = committed(0, 1_000);
    const stale = committed(1, 20_000);
    await commits.probe([fresh, stale], 10_000);
    expect(offsets).toEqual(['5']);
    expect(stale.lastCommitAt).toBeGreaterThan(Date.now() - 1_000);
    expect(stale.status().commitWaitingSince).toBeNull();

    await commits.probe([fresh, stale], 10_000); // both committed within 10 s now
    expect(offsets).toEqual(['5']);
  });

  it('a failing probe shows as the wait, is tried again on the next round and clears it when it succeeds', async () => {
    let fail = true;
    const { commits, offsets } = probing(async () => {
      if (fail) throw new Error('NOT_ENOUGH_REPLICAS');
    });
    const state = committed(0, 20_000);
    await commits.probe([state], 10_000); // never throws
    const since = state.status().commitWaitingSince;
    expect(since).not.toBeNull();
    fail = false;
    await commits.probe([state], 10_000);
    expect(offsets).toEqual(['5', '5']);
    expect(state.status().commitWaitingSince).toBeNull();
  });

  it('a partition with a finished offset to commit, or none committed yet, is not probed', async () => {
    const { commits, offsets } = probing(async () => undefined);
    const busy = committed(0, 20_000);
    busy.tracker.start('5');
    busy.tracker.finish('5');
    const fresh = new PartitionState('orders', 1);
    await commits.probe([busy, fresh], 10_000);
    expect(offsets).toEqual([]);
  });

  it('after a reset (a rebalance) the old offset is never committed again: another member may have committed further', async () => {
    const { commits, offsets } = probing(async () => undefined);
    const state = committed(0, 20_000);
    state.resetProgress();
    await commits.probe([state], 10_000);
    expect(offsets).toEqual([]);
  });

  it('a failed commit of a finished offset is tried again by the probe when no record comes to retry it', async () => {
    let fail = true;
    const { commits, offsets } = probing(async () => {
      if (fail) throw new Error('COORDINATOR_NOT_AVAILABLE');
    });
    const state = new PartitionState('orders', 0);
    state.tracker.start('7');
    state.tracker.finish('7');
    await expect(commits.commit(state)).rejects.toThrow();
    fail = false;
    await commits.probe([state], 10_000);
    expect(offsets).toEqual(['8', '8']);
    expect(state.status().commitWaitingSince).toBeNull();
    expect(state.committedOffset).toBe('8');
  });
});
