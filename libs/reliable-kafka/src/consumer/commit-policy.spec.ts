import { CommitPolicy } from './commit-policy';

describe('CommitPolicy', () => {
  it('record: commits after every finished message', () => {
    const policy = new CommitPolicy({ strategy: 'record' });
    expect(policy.afterMessage(1, 0)).toBe(true);
    expect(policy.afterMessage(0, 0)).toBe(false);
    expect(policy.flushIntervalMs).toBeNull();
  });

  it('batch: commits at the end of a batch only', () => {
    const policy = new CommitPolicy({ strategy: 'batch' });
    expect(policy.afterMessage(500, 60_000)).toBe(false);
    expect(policy.afterBatch(3, 0)).toBe(true);
    expect(policy.afterBatch(0, 0)).toBe(false);
  });

  it('periodic: every N records or T ms, whichever comes first', () => {
    const policy = new CommitPolicy({ strategy: 'periodic', everyRecords: 100, everyMs: 1_000 });
    expect(policy.afterMessage(99, 999)).toBe(false);
    expect(policy.afterMessage(100, 0)).toBe(true);
    expect(policy.afterMessage(1, 1_000)).toBe(true);
    expect(policy.afterBatch(5, 10)).toBe(false);
    expect(policy.afterMessage(0, 5_000)).toBe(false);
    expect(policy.flushIntervalMs).toBe(1_000);
  });
});
