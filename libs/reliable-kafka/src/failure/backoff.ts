import type { BackoffOptions } from '../options/retry.options';

/** Delay before retry number `retry` (1 = the first retry). */
export function backoffDelay(
  policy: BackoffOptions,
  retry: number,
  random: () => number = Math.random,
): number {
  if (policy.type === 'fixed') return policy.delayMs;
  const initial = policy.initialMs ?? 200;
  const multiplier = policy.multiplier ?? 2;
  const max = policy.maxMs ?? 10_000;
  const jitter = policy.jitter ?? 0.2;
  const base = Math.min(max, initial * Math.pow(multiplier, Math.max(0, retry - 1)));
  // Spread each delay over [base * (1 - jitter), base * (1 + jitter)], never above the ceiling.
  const spread = base * jitter * (2 * random() - 1);
  return Math.max(0, Math.min(max, Math.round(base + spread)));
}
