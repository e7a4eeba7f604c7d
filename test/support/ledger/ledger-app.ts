import type { INestApplicationContext } from '@nestjs/common';
import type { DatabaseKind } from '../db/database-kinds';
import type { TestDatabase } from '../db/test-database';
import { startTestApp, type TestAppOptions } from '../test-app';
import { createLedgerDatabase } from './ledger-database';

export interface LedgerApp {
  /** The suite's database (ledger tables and the dedup table), created before the first test. */
  readonly db: TestDatabase;
  /** The running app of the current test, closed after it. */
  readonly app: INestApplicationContext;
  start(options?: Omit<TestAppOptions, 'db'>): Promise<INestApplicationContext>;
  /** Closes the app now (a test that checks what shutdown does). */
  close(): Promise<void>;
}

/**
 * Registers the usual lifecycle of a ledger suite: a fresh database for the describe block, one app
 * per test, closed after it, the database dropped at the end.
 */
export function useLedgerApp(kind: DatabaseKind): LedgerApp {
  let db: TestDatabase | undefined;
  let app: INestApplicationContext | undefined;
  beforeAll(async () => {
    db = await createLedgerDatabase(kind);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error('the ledger database exists only inside tests');
      return db;
    },
    get app() {
      if (!app) throw new Error('no app started in this test');
      return app;
    },
    async start(options = {}) {
      app = await startTestApp({ ...options, db: this.db });
      return app;
    },
    async close() {
      await app?.close();
      app = undefined;
    },
  };
}
