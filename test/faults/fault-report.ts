/**
 * The report of a fault scenario: its counts and the keys behind each broken contract, the printed
 * table, and where the JSON copy goes.
 */
import * as path from 'node:path';
import type { ScenarioOptions } from './fault-suite';

export const REPORT_FILE = path.resolve(__dirname, 'report.json');

export interface FaultReport {
  scenario: string;
  date: string;
  settings: Omit<ScenarioOptions, 'log' | 'reportFile'>;
  messages: {
    uniqueKeys: number;
    sent: number;
    resent: number;
    poison: number;
    sourceRecords: number;
  };
  faultsInjected: Record<string, number>;
  deliveries: {
    processed: number;
    redeliveriesObserved: number;
    duplicatesAbsorbed: number;
    retriesHandler: number;
    retriesDatabaseUnavailable: number;
    deadLetteredEvents: number;
  };
  dlq: { keys: number; copies: number; rawCopies: number };
  lost: number;
  appliedTwice: number;
  appliedAndDeadLettered: number;
  wronglyDeadLettered: number;
  poisonApplied: number;
  balanceMismatches: number;
  finalLag: number;
  wallTimeMs: number;
  /** The keys behind each non-zero failure count (first 50 of each). */
  diff: KeyDiff;
  ok: boolean;
}

/** Per kind of contract breach, the keys (or accounts) that break it. */
export interface KeyDiff {
  lost: string[];
  appliedTwice: string[];
  appliedAndDeadLettered: string[];
  wronglyDeadLettered: string[];
  poisonApplied: string[];
  dlqMissingCopies: string[];
  dlqExtraCopies: string[];
  balances: string[];
}

/** The fault counts of a run before any fault: the report's table reads every one of them. */
export function noFaultsYet(poisonMessages: number): Record<string, number> {
  return {
    sigkill: 0,
    'sigkill-after-commit-hook': 0,
    'sigkill-in-handler': 0,
    sigterm: 0,
    'sigterm-clean-close': 0,
    join: 0,
    leave: 0,
    'broker-restart': 0,
    'db-outage': 0,
    'db-restart': 0,
    'transient-failure-keys': 0,
    'poison-messages': poisonMessages,
    'producer-send-retries': 0,
  };
}

export function emptyKeyDiff(): KeyDiff {
  return {
    lost: [],
    appliedTwice: [],
    appliedAndDeadLettered: [],
    wronglyDeadLettered: [],
    poisonApplied: [],
    dlqMissingCopies: [],
    dlqExtraCopies: [],
    balances: [],
  };
}

/**
 * What the run was broken with on purpose (the checker's own test), or undefined for a real run:
 * a passing suite prints FAILED for those, and the line has to say that this is the expected catch.
 */
function deliberateBreakage(r: FaultReport): string | undefined {
  if (r.settings.unsafeCommitBeforeProcess) return 'offsets committed before processing';
  if (r.settings.unsafeBypassDedup) return 'effects written outside the dedup transaction';
  return undefined;
}

/** The short printed table. */
export function formatReport(r: FaultReport): string {
  const f = r.faultsInjected;
  const breakage = deliberateBreakage(r);
  const caught = (n: number) =>
    breakage && n > 0 ? ` (expected: broken on purpose, ${breakage}; the check caught it)` : '';
  const rows: [string, string | number][] = [
    ['scenario', r.scenario],
    [
      'messages (unique keys / records sent / resent / poison)',
      `${r.messages.uniqueKeys} / ${r.messages.sent} / ${r.messages.resent} / ${r.messages.poison}`,
    ],
    ['faults: SIGKILL from outside', f.sigkill],
    [
      'faults: SIGKILL at hook (after DB commit, before offset commit)',
      f['sigkill-after-commit-hook'],
    ],
    ['faults: SIGKILL inside handler (before DB commit)', f['sigkill-in-handler']],
    ['faults: SIGTERM (clean CLOSED)', `${f.sigterm} (${f['sigterm-clean-close']})`],
    ['faults: instances joined / left', `${f.join} / ${f.leave}`],
    ['faults: broker kill -9 + restart', f['broker-restart']],
    [
      'faults: database outages (records sent meanwhile)',
      `${f['db-outage']} x ${r.settings.dbOutageMs} ms (${f['records-sent-during-db-outage'] ?? 0})`,
    ],
    [
      'faults: database restarts (idle / busy consumer, records in flight)',
      `${f['db-restart-idle'] ?? 0} / ${f['db-restart'] ?? 0} (${f['db-restart-records-in-flight'] ?? 0})`,
    ],
    [
      'faults: transiently failing keys / poison messages',
      `${f['transient-failure-keys']} / ${f['poison-messages']}`,
    ],
    [
      'handler retries (handler / database unavailable)',
      `${r.deliveries.retriesHandler} / ${r.deliveries.retriesDatabaseUnavailable}`,
    ],
    ['redeliveries observed', r.deliveries.redeliveriesObserved],
    ['duplicates absorbed', r.deliveries.duplicatesAbsorbed],
    [
      'DLQ (keys / copies per original offset / raw copies)',
      `${r.dlq.keys} / ${r.dlq.copies} / ${r.dlq.rawCopies}`,
    ],
    ['LOST', `${r.lost}${caught(r.lost)}`],
    ['APPLIED TWICE', `${r.appliedTwice}${caught(r.appliedTwice)}`],
    [
      'applied and dead-lettered / wrongly dead-lettered / poison applied',
      `${r.appliedAndDeadLettered} / ${r.wronglyDeadLettered} / ${r.poisonApplied}`,
    ],
    ['balance mismatches', r.balanceMismatches],
    ['final group lag (broker)', r.finalLag],
    ['unexpected worker exits (not injected)', f['unexpected-worker-exits'] ?? 0],
    ['wall time', `${(r.wallTimeMs / 1000).toFixed(1)} s`],
    ['result', r.ok ? 'OK' : `FAILED${caught(1)}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  for (const [name, keys] of Object.entries(r.diff)) {
    if (keys.length)
      lines.push(`${name}: ${keys.slice(0, 10).join(', ')}${keys.length > 10 ? ', ...' : ''}`);
  }
  return lines.join('\n');
}

/** Keys of a report that break the contract, for a test's failure message. */
export function contractViolations(r: FaultReport): KeyDiff & { finalLag: number } {
  return { ...r.diff, finalLag: r.finalLag };
}

export const NO_VIOLATIONS: KeyDiff & { finalLag: number } = { ...emptyKeyDiff(), finalLag: 0 };
