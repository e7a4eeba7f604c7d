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
  /** Records on the account-totals handler's own dead-letter topic. */
  recordsOnTotalsDeadLetterTopic: number;
  appliedOrderIds: Set<string>;
  invalidApplied: boolean;
  balances: { accountId: string; expected: number; actual: number | null }[];
  /** Per account: order count and sum as the account-totals batch handler kept them. */
  totals: {
    accountId: string;
    expected: { orders: number; amount: number };
    actual: { orders: number; amount: number } | null;
  }[];
  deadLetters: DeadLetterRow[];
  /** "duplicate skipped" log lines of the orders handler, over every app process. */
  duplicatesSkipped: number;
  orderRowsInDb: number;
  lastStats: StatsBody;
}

export async function observe(
  baseUrl: string,
  scenario: Scenario,
  records: { recordsOnTopic: number; recordsOnDlq: number; recordsOnTotalsDlq: number },
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

  // Per account: the balance the orders handler kept, and the totals the batch handler kept.
  const balances: Observed['balances'] = [];
  const totals: Observed['totals'] = [];
  for (const [accountId, expected] of scenario.expectedBalances) {
    const balance = await request<{ balance: number }>('GET', `${baseUrl}/accounts/${accountId}`);
    balances.push({
      accountId,
      expected,
      actual: balance.status === 200 ? balance.body.balance : null,
    });
    const kept = await request<{ orderCount: number; amountTotal: number }>(
      'GET',
      `${baseUrl}/accounts/${accountId}/totals`,
    );
    totals.push({
      accountId,
      expected: { orders: scenario.expectedOrderCounts.get(accountId) ?? 0, amount: expected },
      actual:
        kept.status === 200
          ? { orders: kept.body.orderCount, amount: kept.body.amountTotal }
          : null,
    });
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
    recordsOnTopic: records.recordsOnTopic,
    recordsOnDeadLetterTopic: records.recordsOnDlq,
    recordsOnTotalsDeadLetterTopic: records.recordsOnTotalsDlq,
    appliedOrderIds,
    invalidApplied,
    balances,
    totals,
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
  /** Accounts whose count and sum, kept by the batch handler, match their orders. */
  totalsOk: number;
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
  const totalsOk = o.totals.filter(totalsMatch).length;
  const ok =
    lost.length === 0 &&
    appliedTwice === 0 &&
    balancesOk === o.balances.length &&
    totalsOk === o.totals.length &&
    // The batch handler too must dead-letter the poison and the invalid order, not skip them.
    o.recordsOnTotalsDeadLetterTopic >= 2 &&
    unexpectedDeadLetters === 0;
  return { lost, appliedTwice, balancesOk, totalsOk, unexpectedDeadLetters, ok };
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
    [
      'order totals',
      `${v.totalsOk}/${o.totals.length}`,
      `accounts whose order count and sum match (batch handler, own group; ${o.recordsOnTotalsDeadLetterTopic} records on its dead-letter topic, at least 2 expected: poison, invalid, again if the kill fell between a dead letter and its offset commit)`,
    ],
  ];
  const out = [...header, ''];
  for (const [name, value, note] of rows)
    out.push(`  ${name.padEnd(19)}${String(value).padStart(6)}   ${note}`);
  out.push('');
  o.balances.forEach((b, i) => {
    const t = o.totals[i];
    const mark = b.actual === b.expected ? 'ok' : 'MISMATCH';
    const totalsMark = totalsMatch(t) ? 'ok' : 'MISMATCH';
    const kept = t.actual ? `${t.actual.orders} orders / ${t.actual.amount}` : 'missing';
    out.push(
      `  ${b.accountId.padEnd(8)} balance ${String(b.actual ?? 'missing').padStart(6)}  expected ${String(b.expected).padStart(6)}  ${mark}` +
        `   totals ${kept} expected ${t.expected.orders} / ${t.expected.amount}  ${totalsMark}`,
    );
  });
  out.push('', ...footer);
  console.log(out.join('\n'));
}

function label(scenario: Scenario, key: string | null): string {
  if (key === scenario.poison.idempotencyKey) return 'poison';
  if (key === scenario.invalid.orderId) return 'invalid';
  return key ?? '?';
}

function totalsMatch(t: Observed['totals'][number]): boolean {
  return t.actual?.orders === t.expected.orders && t.actual.amount === t.expected.amount;
}
