import { Client } from 'pg';

/**
 * Holds the row lock of one ledger account (PostgreSQL) from a session of its own, so that every
 * credit of that account waits inside its handler's transaction: records in flight for as long as
 * the hold lasts, which only a database restart (or release()) ends. `waiting()` counts the
 * sessions blocked by it, the proof that a consumer was busy at that moment.
 */
export class AccountHold {
  private constructor(private readonly session: Client) {}

  static async take(url: string, account: string): Promise<AccountHold> {
    const session = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    // A restart ends the session with 57P01: expected, and not to end the test process.
    session.on('error', () => undefined);
    await session.connect();
    try {
      // The row must exist to be locked; a credit inserts it the same way (balance 0, no conflict).
      await session.query(
        'INSERT INTO ledger_account (id, balance) VALUES ($1, 0) ON CONFLICT (id) DO NOTHING',
        [account],
      );
      await session.query('BEGIN');
      await session.query('SELECT id FROM ledger_account WHERE id = $1 FOR UPDATE', [account]);
    } catch (error) {
      await session.end().catch(() => undefined);
      throw error;
    }
    return new AccountHold(session);
  }

  /** Sessions waiting for this hold's lock now. */
  async waiting(): Promise<number> {
    // Inside a transaction pg_stat_activity is a snapshot taken at its first read: take a new one.
    await this.session.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await this.session.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))',
    );
    return Number(rows[0].n);
  }

  /** Ends the hold (rolls back; after a restart the session is gone already). */
  async release(): Promise<void> {
    await this.session.query('ROLLBACK').catch(() => undefined);
    await this.session.end().catch(() => undefined);
  }
}
