/**
 * The scenarios of the fault suite: one per fault kind, and the soak that combines them all, at
 * the CI size (part of `npm test`) or the long size (`npm run test:faults -- --long`).
 */
import type { ClusterScenarioOptions } from './cluster-scenario';
import type { FaultKind, ScenarioOptions } from './fault-suite';

export type Profile = 'ci' | 'medium' | 'long';

const SIZES: Record<Profile, { messages: number; rate: number; timeoutMs: number; kills: number }> =
  {
    // The CI bound is generous: a loaded machine slows restarts and outages, not the contract.
    ci: { messages: 10_000, rate: 250, timeoutMs: 420_000, kills: 1 },
    medium: { messages: 50_000, rate: 300, timeoutMs: 900_000, kills: 4 },
    long: { messages: 200_000, rate: 350, timeoutMs: 3 * 3600_000, kills: 12 },
  };

/** All fault kinds at once: the soak. `k` scales the number of faults. */
function soakFaults(profile: Profile): Partial<Record<FaultKind, number>> {
  const k = SIZES[profile].kills;
  if (profile === 'ci') {
    return {
      sigkill: 3,
      'hook-kill': 3,
      'in-handler-kill': 2,
      sigterm: 1,
      rebalance: 1,
      'broker-restart': 1,
      'db-outage': 1,
    };
  }
  return {
    sigkill: 4 * k,
    'hook-kill': 3 * k,
    'in-handler-kill': 2 * k,
    sigterm: k,
    rebalance: k,
    'broker-restart': Math.max(1, Math.round(k / 2)),
    'db-outage': Math.max(1, Math.round(k / 2)),
  };
}

export const SCENARIOS = [
  'soak',
  'kill',
  'sigterm',
  'rebalance',
  'broker',
  'database',
  'database-restart',
  'handler',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function scenario(
  name: ScenarioName,
  profile: Profile,
  seed = Date.now() % 1_000_000,
): ScenarioOptions {
  const size = SIZES[profile];
  const single = name !== 'soak';
  // A single-fault scenario is a fifth of the soak's size.
  const messages = single ? Math.round(size.messages / 5) : size.messages;
  const base: ScenarioOptions = {
    name: `${name}-${profile}`,
    messages,
    partitions: 8,
    workers: 3,
    resendPercent: 5,
    poisonPercent: name === 'soak' || name === 'handler' ? 0.5 : 0,
    transientFailurePercent: name === 'soak' || name === 'handler' ? 2 : 0,
    // Slower for a single-fault scenario, so that its faults still land mid-stream.
    produceRatePerSec: single ? Math.round(size.rate / 3) : size.rate,
    faults: {},
    dbOutageMs: 6_000,
    seed,
    timeoutMs: size.timeoutMs,
  };
  const k = Math.max(1, size.kills);
  switch (name) {
    case 'soak':
      return { ...base, faults: soakFaults(profile), armAtStart: true };
    case 'kill':
      return {
        ...base,
        faults: { sigkill: 2 * k, 'hook-kill': 2 * k, 'in-handler-kill': k },
        armAtStart: true,
      };
    case 'sigterm':
      return { ...base, faults: { sigterm: 2 * k } };
    case 'rebalance':
      return { ...base, faults: { rebalance: 2 * k } };
    case 'broker':
      return { ...base, faults: { 'broker-restart': k } };
    case 'database':
      return { ...base, faults: { 'db-outage': k } };
    case 'database-restart':
      return { ...base, faults: { 'db-restart': 2 * k }, idleDbRestarts: 2 };
    case 'handler':
      return { ...base, poisonPercent: 2, transientFailurePercent: 5 };
  }
}

/**
 * The cluster scenario (`--cluster`): leaders, the coordinator and the controller killed while
 * ReliableProducer sends, and two of three nodes down once. The CI size fits in about four
 * minutes; the long one kills a leader 100 times over 100k messages.
 */
export function clusterScenario(
  profile: 'ci' | 'long',
  seed = Date.now() % 1_000_000,
): ClusterScenarioOptions {
  const base = {
    partitions: 8,
    workers: 3,
    resendPercent: 3,
    downMs: [500, 2_000] as [number, number],
    // Longer than the delivery timeout, so that sends made while it lasts fail with it.
    belowMinIsrMs: 15_000,
    deliveryTimeoutMs: 8_000,
    seed,
  };
  return profile === 'ci'
    ? {
        ...base,
        name: 'cluster-ci',
        messages: 6_000,
        produceRatePerSec: 50,
        faults: {
          'leader-kill': 3,
          'coordinator-kill': 1,
          'controller-kill': 1,
          'below-min-isr': 1,
        },
        timeoutMs: 330_000,
      }
    : {
        ...base,
        name: 'cluster-long',
        messages: 100_000,
        produceRatePerSec: 70,
        faults: {
          'leader-kill': 100,
          'coordinator-kill': 4,
          'controller-kill': 4,
          'below-min-isr': 2,
        },
        timeoutMs: 3 * 3600_000,
      };
}
