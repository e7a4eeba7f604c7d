import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('fixed: the same delay every time', () => {
    expect(backoffDelay({ type: 'fixed', delayMs: 250 }, 1)).toBe(250);
    expect(backoffDelay({ type: 'fixed', delayMs: 250 }, 9)).toBe(250);
  });

  it('exponential: grows by the multiplier up to the ceiling', () => {
    const policy = {
      type: 'exponential' as const,
      initialMs: 100,
      multiplier: 3,
      maxMs: 1_000,
      jitter: 0,
    };
    expect([1, 2, 3, 4].map((r) => backoffDelay(policy, r))).toEqual([100, 300, 900, 1_000]);
  });

  it('jitter spreads the delay within the given fraction and never past the ceiling', () => {
    const policy = {
      type: 'exponential' as const,
      initialMs: 1_000,
      multiplier: 2,
      maxMs: 1_500,
      jitter: 0.5,
    };
    expect(backoffDelay(policy, 1, () => 0)).toBe(500);
    expect(backoffDelay(policy, 1, () => 1)).toBe(1_500);
    expect(backoffDelay(policy, 3, () => 1)).toBe(1_500);
  });
});
