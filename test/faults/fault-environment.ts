/**
 * The fault suite's own broker (a separate home under .kafka/) and its own throwaway PostgreSQL
 * cluster, with the removal of brokers left behind by dead runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDedupTableMigration } from '@reliable-kafka/nestjs';
import { KAFKA_HOME, killBroker, startBroker, stopBroker } from '../../tools/kafka/kafka-broker';
import {
  removeOwnThrowawayPostgres,
  startOwnThrowawayPostgres,
  startThrowawayPostgresServer,
  stopThrowawayPostgresServer,
} from '../support/db/ensure-databases';
import { LEDGER_ENTITIES } from '../support/ledger/ledger.entities';

/** The suite's own broker and PostgreSQL cluster. */
export class FaultEnvironment {
  private constructor(
    readonly home: string,
    readonly brokers: string[],
    readonly pgUrl: string,
    readonly pgDataDir: string,
  ) {}

  static async start(log: (l: string) => void = () => undefined): Promise<FaultEnvironment> {
    await removeOrphanBrokers(log);
    // Under .kafka/ (git-ignored), but its own state.json, ports and data: never the shared broker.
    const home = path.join(KAFKA_HOME, `${HOME_PREFIX}${process.pid}`);
    const began = Date.now();
    let pg: Awaited<ReturnType<typeof startOwnThrowawayPostgres>> | undefined;
    try {
      const [broker, cluster] = await Promise.all([
        startBroker({ home }),
        startOwnThrowawayPostgres('faults'),
      ]);
      pg = cluster;
      log(
        `[faults] own broker ${broker.brokers} (home ${home}), own PostgreSQL ${cluster.url} (${cluster.dataDir}) in ${Date.now() - began} ms`,
      );
      return new FaultEnvironment(home, [broker.brokers], cluster.url, cluster.dataDir);
    } catch (error) {
      await stopBroker({ home }).catch(() => undefined);
      fs.rmSync(home, { recursive: true, force: true });
      if (pg) removeOwnThrowawayPostgres(pg.dataDir);
      throw error;
    }
  }

  async stop(): Promise<void> {
    try {
      await stopBroker({ home: this.home });
    } finally {
      fs.rmSync(this.home, { recursive: true, force: true });
      removeOwnThrowawayPostgres(this.pgDataDir);
    }
  }

  kafka(): Kafka {
    return new Kafka({
      clientId: 'rk-faults',
      brokers: this.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, maxRetryTime: 5_000 },
    });
  }

  async killBroker(): Promise<void> {
    await killBroker('SIGKILL', { home: this.home });
  }

  async startBroker(): Promise<void> {
    await startBroker({ home: this.home });
  }

  stopDatabase(): Promise<void> {
    return stopThrowawayPostgresServer(this.pgDataDir);
  }

  startDatabase(): Promise<void> {
    return startThrowawayPostgresServer(this.pgDataDir);
  }

  /** A fresh database on the suite's cluster with the ledger and dedup tables. */
  async createDatabase(name: string): Promise<string> {
    const admin = new Client({ connectionString: this.pgUrl, connectionTimeoutMillis: 10_000 });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    const url = withDatabase(this.pgUrl, name);
    const ds = new DataSource({
      type: 'postgres',
      url,
      entities: LEDGER_ENTITIES,
      synchronize: true,
      logging: false,
    });
    await ds.initialize();
    try {
      const runner = ds.createQueryRunner();
      try {
        await new (createDedupTableMigration())().up(runner);
      } finally {
        await runner.release();
      }
    } finally {
      await ds.destroy();
    }
    return url;
  }
}

const HOME_PREFIX = 'faults-';

/** Brokers of fault runs whose process died without cleaning up (e.g. a SIGKILLed Jest). */
async function removeOrphanBrokers(log: (l: string) => void): Promise<void> {
  if (!fs.existsSync(KAFKA_HOME)) return;
  for (const entry of fs.readdirSync(KAFKA_HOME)) {
    const owner = entry.startsWith(HOME_PREFIX)
      ? parseInt(entry.slice(HOME_PREFIX.length), 10)
      : NaN;
    if (!owner || isAlive(owner)) continue;
    const home = path.join(KAFKA_HOME, entry);
    await stopBroker({ home }).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
    log(`[faults] removed the broker home ${home} of a dead run (pid ${owner})`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
