/** The orders the demo sends, and what the balances must be afterwards. */

export interface DemoOrder {
  orderId: string;
  accountId: string;
  amount: number;
}

export interface Scenario {
  orders: DemoOrder[];
  /** `orders` in the order they are POSTed, resends included. */
  sends: DemoOrder[];
  resends: number;
  /** Account id → the sum of its orders: the balance every account must end with. */
  expectedBalances: Map<string, number>;
  /** Account id → how many orders it has: the count the account-totals handler must end with. */
  expectedOrderCounts: Map<string, number>;
  /** Fails the consumer's validation (negative amount): must be dead-lettered, never applied. */
  invalid: DemoOrder;
  /** Not JSON at all: must be dead-lettered byte for byte. */
  poison: { key: string; idempotencyKey: string; value: Buffer };
}

export function buildScenario(runId: string, orderCount: number, accountCount: number): Scenario {
  const accounts = Array.from({ length: accountCount }, (_, i) => `acct-${i + 1}`);
  const orders = Array.from({ length: orderCount }, (_, i) => ({
    // The client picks the id (the idempotency key), so it can resend the same order safely.
    orderId: `order-${runId}-${i}`,
    accountId: accounts[i % accountCount],
    amount: 1 + ((i * 37) % 97),
  }));

  // Every 4th order is sent again, five sends later: the same order, a second record on the topic.
  const sends: DemoOrder[] = [];
  let resends = 0;
  orders.forEach((order, i) => {
    sends.push(order);
    const earlier = i - 5;
    if (earlier >= 0 && earlier % 4 === 0) {
      sends.push(orders[earlier]);
      resends++;
    }
  });

  const expectedBalances = new Map(accounts.map((a) => [a, 0]));
  const expectedOrderCounts = new Map(accounts.map((a) => [a, 0]));
  for (const o of orders) {
    expectedBalances.set(o.accountId, (expectedBalances.get(o.accountId) ?? 0) + o.amount);
    expectedOrderCounts.set(o.accountId, (expectedOrderCounts.get(o.accountId) ?? 0) + 1);
  }

  return {
    orders,
    sends,
    resends,
    expectedBalances,
    expectedOrderCounts,
    invalid: { orderId: `invalid-${runId}`, accountId: accounts[0], amount: -5 },
    // A JSON object opening, then bytes that are not UTF-8 at all.
    poison: {
      key: accounts[0],
      idempotencyKey: `poison-${runId}`,
      value: Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x22, 0x80]),
    },
  };
}
