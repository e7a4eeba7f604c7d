import * as fs from 'node:fs';
import { forEachConcurrently, request } from './http';
import type { Scenario } from './scenario';

/** The app's `GET /stats`. */
export interface StatsBody {
  delivery: { processed: number; duplicates: number; retries: number; deadLettered: number };
  handlers: Record<
    string,
    { processed: number; duplicates: number; retries: number; deadLettered: number }
  >;
  counts: { accounts: number; orders: number; deadLetters: number };
}

interface DeadLetterRow {
  id: string;
  errorClass: string | null;
  idempotencyKey: string | null;
}

export const ORDERS_HANDLER = 'OrdersConsumer.onOrderPlaced';

/** Everything the verdict is computed from: read back over HTTP, from the broker and from the app logs. */
export interface Observed {
  recordsOnTopic: number;
  recordsOnDeadLetterTopic: number;
  appliedOrderIds: Set<string>;
  invalidApplied: boolean;
  balances: { accountId: string; expected: number; actual: number | null }[];
  deadLetters: DeadLetterRow[];
  /** "duplicate skipped" log lines of the orders handler, over every app process. */
  duplicatesSkipped: number;
  orderRowsInDb: number;
  lastStats: StatsBody;
}

export async function observe(
  baseUrl: string,
  scenario: Scenario,
  recordsOnTopic: number,
  recordsOnDeadLetterTopic: number,
  logFiles: string[],
): Promise<Observed> {
  const appliedOrderIds = new Set<string>();
  await forEachConcurrently(scenario.orders, 16, async (order) => {
    const { status } = await request(
      'GET',
      `${baseUrl}/orders/${encodeURIComponent(order.orderId)}`,
    );
    if (status === 200) appliedOrderIds.add(order.orderId);
    else if (status !== 404) throw new Error(`GET /orders/${order.orderId} answered ${status}`);
  });
  const invalidApplied =
    (await request('GET', `${baseUrl}/orders/${scenario.invalid.orderId}`)).status === 200;

  const balances: Observed['balances'] = [];
  for (const [accountId, expected] of scenario.expectedBalances) {
    const { status, body } = await request<{ balance: number }>(
      'GET',
      `${baseUrl}/accounts/${accountId}`,
    );
    balances.push({ accountId, expected, actual: status === 200 ? body.balance : null });
  }
  const deadLetters = (await request<DeadLetterRow[]>('GET', `${baseUrl}/dead-letters`)).body;
  const lastStats = (await request<StatsBody>('GET', `${baseUrl}/stats`)).body;

  const skipLine = new RegExp(`duplicate skipped: .*\\(${ORDERS_HANDLER.replace('.', '\\.')}\\)`);
  const duplicatesSkipped = logFiles
    .map(
      (file) =>
        fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => skipLine.test(line)).length,
    )
    .reduce((a, b) => a + b, 0);

  return {
    recordsOnTopic,
    recordsOnDeadLetterTopic,
    appliedOrderIds,
    invalidApplied,
    balances,
    deadLetters,
    duplicatesSkipped,
    orderRowsInDb: lastStats.counts.orders,
    lastStats,
  };
}

export interface Verdict {
  lost: string[];
  appliedTwice: number;
  balancesOk: number;
  /** Dead-letter rows other than the poison and the invalid order: a valid order failed. */
  unexpectedDeadLetters: number;
  ok: boolean;
}

/**
 * lost: an order the demo sent (or a bad record it produced) with neither an effect nor a
 * dead-letter row. applied twice: an account credited more than the sum of its orders, an
 * unexpected Order row, or a dead-lettered order that was applied anyway.
 */
export function judge(scenario: Scenario, o: Observed): Verdict {
  const deadLettered = new Set(o.deadLetters.map((d) => d.idempotencyKey));
  const lost = [
    ...scenario.orders.map((x) => x.orderId),
    scenario.invalid.orderId,
    scenario.poison.idempotencyKey,
  ].filter((id) => !o.appliedOrderIds.has(id) && !deadLettered.has(id));
  const overCredited = o.balances.filter((b) => b.actual !== null && b.actual > b.expected).length;
  const unexpectedRows = Math.max(0, o.orderRowsInDb - o.appliedOrderIds.size);
  const appliedTwice = overCredited + unexpectedRows + (o.invalidApplied ? 1 : 0);
  const balancesOk = o.balances.filter((b) => b.actual === b.expected).length;
  const meantToFail = new Set([scenario.invalid.orderId, scenario.poison.idempotencyKey]);
  const unexpectedDeadLetters = o.deadLetters.filter(
    (d) => !meantToFail.has(d.idempotencyKey ?? ''),
  ).length;
  const ok =
    lost.length === 0 &&
    appliedTwice === 0 &&
    balancesOk === o.balances.length &&
    unexpectedDeadLetters === 0;
  return { lost, appliedTwice, balancesOk, unexpectedDeadLetters, ok };
}

export function printReport(
  header: string[],
  scenario: Scenario,
  o: Observed,
  v: Verdict,
  footer: string[],
): void {
  const duplicateRecords = o.recordsOnTopic - scenario.orders.length - 2; // 2: the poison and the invalid record
  const redeliveries = o.duplicatesSkipped - duplicateRecords;
  const deadLetterKinds = o.deadLetters
    .map((d) => `${label(scenario, d.idempotencyKey)}: ${d.errorClass}`)
    .join(', ');
  const rows: [string, string | number, string][] = [
    [
      'produced',
      o.recordsOnTopic,
      `records on the orders topic: ${scenario.orders.length} orders + ${scenario.resends} resent` +
        (duplicateRecords > scenario.resends
          ? ` + ${duplicateRecords - scenario.resends} re-posted after the kill`
          : '') +
        ' + 1 poison + 1 invalid',
    ],
    [
      'processed',
      o.appliedOrderIds.size,
      `orders applied (an Order row and a credit), of ${scenario.orders.length} sent`,
    ],
    [
      'duplicates skipped',
      o.duplicatesSkipped,
      `${duplicateRecords} duplicate records + ${redeliveries} redeliveries after the SIGKILL, all absorbed by the dedup record`,
    ],
    [
      'dead-lettered',
      o.deadLetters.length,
      `${deadLetterKinds || '-'} (${o.recordsOnDeadLetterTopic} records on the dead-letter topic` +
        (o.recordsOnDeadLetterTopic > o.deadLetters.length
          ? ': some dead-lettered again after the kill, recorded once'
          : '') +
        ')' +
        (v.unexpectedDeadLetters ? `; ${v.unexpectedDeadLetters} UNEXPECTED` : ''),
    ],
    [
      'lost',
      v.lost.length,
      v.lost.length
        ? v.lost.slice(0, 5).join(', ') + (v.lost.length > 5 ? ', ...' : '')
        : 'every order applied or dead-lettered',
    ],
    [
      'applied twice',
      v.appliedTwice,
      'over-credited accounts + extra Order rows + dead-lettered orders applied',
    ],
    [
      'balances',
      `${v.balancesOk}/${o.balances.length}`,
      'accounts whose balance equals the sum of its orders',
    ],
  ];
  const out = [...header, ''];
  for (const [name, value, note] of rows)
    out.push(`  ${name.padEnd(19)}${String(value).padStart(6)}   ${note}`);
  out.push('');
  for (const b of o.balances) {
    const mark = b.actual === b.expected ? 'ok' : 'MISMATCH';
    out.push(
      `  ${b.accountId.padEnd(8)} balance ${String(b.actual ?? 'missing').padStart(6)}  expected ${String(b.expected).padStart(6)}  ${mark}`,
    );
  }
  out.push('', ...footer);
  console.log(out.join('\n'));
}

function label(scenario: Scenario, key: string | null): string {
  if (key === scenario.poison.idempotencyKey) return 'poison';
  if (key === scenario.invalid.orderId) return 'invalid';
  return key ?? '?';
}
