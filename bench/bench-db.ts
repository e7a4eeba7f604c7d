/**
 * The benchmark's PostgreSQL side: one fresh database per contender (same server for all), the
 * account table, pg_stat_database counters, the end-of-run correctness check, and the database's
 * own ceiling measured directly with pg.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export function adminUrl(): string {
  return process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function urlFor(database: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  return client;
}

export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** rk_bench_<epoch ms>_<hex>_<label>: the rk_ prefix lets the test suite's stale-database sweep find leftovers. */
export async function createBenchDatabase(label: string, accounts: number): Promise<string> {
  const name = `rk_${Date.now()}_${randomBytes(3).toString('hex')}_bench_${label}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  await withClient(adminUrl(), (c) => c.query(`CREATE DATABASE "${name}"`));
  await withClient(urlFor(name), async (c) => {
    await c.query('CREATE TABLE account (id varchar(64) PRIMARY KEY, balance bigint NOT NULL)');
    await c.query(
      `INSERT INTO account (id, balance) SELECT 'acct-' || g, 0 FROM generate_series(0, $1::int - 1) g`,
      [accounts],
    );
  });
  return name;
}

export async function dropBenchDatabase(name: string): Promise<void> {
  await withClient(adminUrl(), (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Committed transactions of a database so far (read from another database's connection). */
export async function xactCommit(name: string): Promise<number> {
  return withClient(adminUrl(), async (c) => {
    const { rows } = await c.query<{ n: string }>(
      'SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = $1',
      [name],
    );
    return Number(rows[0]?.n ?? 0);
  });
}

export async function serverVersion(): Promise<string> {
  return withClient(
    adminUrl(),
    async (c) =>
      (await c.query<{ v: string }>('SELECT current_setting($1) AS v', ['server_version'])).rows[0]
        .v,
  );
}

export interface CheckResult {
  ok: boolean;
  detail: string;
}

/**
 * Correctness at the end of a run: every account's balance equals the sum of the amounts sent to
 * it (amounts are random 1..100, so a lost or doubled message shows), and for the library modes
 * one dedup record per message (each idempotency key applied once).
 */
export async function checkDatabase(
  name: string,
  expected: Map<string, number>,
  totalMessages: number,
  dedup: boolean,
): Promise<CheckResult> {
  return withClient(urlFor(name), async (c) => {
    const { rows } = await c.query<{ id: string; balance: string }>(
      'SELECT id, balance::text FROM account',
    );
    let sum = 0;
    let expectedSum = 0;
    let wrongAccounts = 0;
    for (const v of expected.values()) expectedSum += v;
    for (const row of rows) {
      const b = Number(row.balance);
      sum += b;
      if (b !== (expected.get(row.id) ?? 0)) wrongAccounts++;
    }
    const problems: string[] = [];
    if (sum !== expectedSum) problems.push(`sum ${sum} != expected ${expectedSum}`);
    if (wrongAccounts) problems.push(`${wrongAccounts} accounts off`);
    let dedupPart = '';
    if (dedup) {
      const d = await c.query<{ n: string; k: string }>(
        'SELECT count(*)::text AS n, count(DISTINCT idempotency_key)::text AS k FROM reliable_kafka_dedup',
      );
      const n = Number(d.rows[0].n);
      const k = Number(d.rows[0].k);
      dedupPart = `, dedup rows ${n} / distinct keys ${k} / messages ${totalMessages}`;
      if (n !== totalMessages || k !== totalMessages) problems.push('dedup records != messages');
    }
    return {
      ok: problems.length === 0,
      detail: `balance sum ${sum} (expected ${expectedSum}), accounts off ${wrongAccounts}${dedupPart}${problems.length ? ` -> ${problems.join('; ')}` : ''}`,
    };
  });
}

export interface CeilingResult {
  batch: number;
  /** One UPDATE per message (as handlers issue them), or one set-based UPDATE per transaction. */
  update: 'per-message' | 'set-based';
  connections: number;
  seconds: number;
  transactionsPerSec: number;
  messagesPerSec: number;
}

/**
 * The database's own limit for this workload, measured directly with pg: transactions of
 * `INSERT INTO dedup ... ON CONFLICT DO NOTHING` (one row per message, multi-row) plus one
 * `UPDATE account ... balance + amount` per message, committed, for `seconds` seconds on
 * `connections` parallel connections. Uses its own fresh database.
 */
export async function measureDbCeiling(
  accounts: number,
  configs: Array<{ batch: number; connections: number; update: 'per-message' | 'set-based' }>,
  seconds: number,
): Promise<CeilingResult[]> {
  const name = await createBenchDatabase('ceiling', accounts);
  const results: CeilingResult[] = [];
  try {
    await withClient(urlFor(name), (c) =>
      c.query(`CREATE TABLE dedup (handler_id varchar(200) NOT NULL, idempotency_key varchar(255) NOT NULL,
        kafka_topic varchar(249) NOT NULL, kafka_partition int NOT NULL, kafka_offset bigint NOT NULL, processed_at bigint NOT NULL,
        PRIMARY KEY (handler_id, idempotency_key))`),
    );
    let seq = 0;
    for (const { batch, connections, update } of configs) {
      const clients = await Promise.all(
        Array.from({ length: connections }, () => connect(urlFor(name))),
      );
      let txs = 0;
      const deadline = Date.now() + seconds * 1000;
      const started = Date.now();
      try {
        await Promise.all(
          clients.map(async (c) => {
            while (Date.now() < deadline) {
              const keys: string[] = [];
              const offsets: number[] = [];
              const ids: string[] = [];
              const amounts: number[] = [];
              const rows: Array<[string, number]> = [];
              for (let i = 0; i < batch; i++) {
                const n = seq++;
                keys.push(`k-${n}`);
                offsets.push(n);
                rows.push([`acct-${(n * 7919) % accounts}`, 1 + (n % 100)]);
              }
              // Rows locked in one order by every connection: no deadlocks between them.
              rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
              for (const [id, amount] of rows) {
                ids.push(id);
                amounts.push(amount);
              }
              await c.query('BEGIN');
              await c.query(
                `INSERT INTO dedup (handler_id, idempotency_key, kafka_topic, kafka_partition, kafka_offset, processed_at)
                 SELECT 'ceiling', k, 't', 0, o, $3 FROM unnest($1::text[], $2::bigint[]) AS x(k, o) ON CONFLICT DO NOTHING`,
                [keys, offsets, Date.now()],
              );
              if (update === 'set-based') {
                await c.query(
                  `UPDATE account SET balance = balance + s.total
                   FROM (SELECT id, sum(amount) AS total FROM unnest($1::text[], $2::int[]) AS x(id, amount) GROUP BY id) s
                   WHERE account.id = s.id`,
                  [ids, amounts],
                );
              } else {
                // One UPDATE per message, as a handler issues them.
                for (let i = 0; i < batch; i++) {
                  await c.query('UPDATE account SET balance = balance + $1 WHERE id = $2', [
                    amounts[i],
                    ids[i],
                  ]);
                }
              }
              await c.query('COMMIT');
              txs++;
            }
          }),
        );
      } finally {
        await Promise.all(clients.map((c) => c.end()));
      }
      const elapsed = (Date.now() - started) / 1000;
      results.push({
        batch,
        connections,
        update,
        seconds: elapsed,
        transactionsPerSec: txs / elapsed,
        messagesPerSec: (txs * batch) / elapsed,
      });
    }
  } finally {
    await dropBenchDatabase(name);
  }
  return results;
}
