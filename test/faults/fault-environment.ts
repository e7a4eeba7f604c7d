/**
 * The fault suite's own broker (a separate home under .kafka/), or its own replicated cluster of
 * three nodes, and its own throwaway PostgreSQL cluster, with the removal of brokers left behind
 * by dead runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDedupTableMigration, createOutboxTableMigration } from '@reliable-kafka/nestjs';
import { KAFKA_HOME, killBroker, startBroker, stopBroker } from '../../tools/kafka/kafka-broker';
import {
  controllerLeader,
  killClusterNode,
  pauseClusterNode,
  resumeClusterNode,
  startCluster,
  startClusterNode,
  stopCluster,
} from '../../tools/kafka/kafka-cluster';
import {
  removeOwnThrowawayPostgres,
  startOwnThrowawayPostgres,
  startThrowawayPostgresServer,
  stopThrowawayPostgresServer,
} from '../support/db/ensure-databases';
import { LEDGER_ENTITIES } from '../support/ledger/ledger.entities';

/** One broker, or three replicated nodes (KRaft, each a broker and a controller). */
export type FaultKafka = 'broker' | 'cluster';

/** The suite's own broker (or cluster) and PostgreSQL cluster. */
export class FaultEnvironment {
  private constructor(
    readonly kind: FaultKafka,
    readonly home: string,
    readonly brokers: string[],
    /** The node ids of a cluster (empty for one broker). */
    readonly nodeIds: number[],
    readonly pgUrl: string,
    readonly pgDataDir: string,
  ) {}

  static async start(
    log: (l: string) => void = () => undefined,
    kind: FaultKafka = 'broker',
  ): Promise<FaultEnvironment> {
    await removeOrphanBrokers(log);
    // Under .kafka/ (git-ignored), but its own state, ports and data: never the shared broker.
    const home = path.join(
      KAFKA_HOME,
      `${kind === 'cluster' ? CLUSTER_HOME_PREFIX : HOME_PREFIX}${process.pid}`,
    );
    const began = Date.now();
    let pg: Awaited<ReturnType<typeof startOwnThrowawayPostgres>> | undefined;
    try {
      const [kafka, cluster] = await Promise.all([
        kind === 'cluster'
          ? startCluster({ home }).then((c) => ({
              brokers: c.brokers,
              nodeIds: c.nodes.map((n) => n.nodeId),
            }))
          : startBroker({ home }).then((b) => ({ brokers: [b.brokers], nodeIds: [] })),
        startOwnThrowawayPostgres('faults'),
      ]);
      pg = cluster;
      log(
        `[faults] own ${kind} ${kafka.brokers.join(',')} (home ${home}), own PostgreSQL ${cluster.url} (${cluster.dataDir}) in ${Date.now() - began} ms`,
      );
      return new FaultEnvironment(
        kind,
        home,
        kafka.brokers,
        kafka.nodeIds,
        cluster.url,
        cluster.dataDir,
      );
    } catch (error) {
      await stopKafka(kind, home).catch(() => undefined);
      fs.rmSync(home, { recursive: true, force: true });
      if (pg) removeOwnThrowawayPostgres(pg.dataDir);
      throw error;
    }
  }

  async stop(): Promise<void> {
    try {
      await stopKafka(this.kind, this.home);
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

  /** A cluster node killed (SIGKILL by default); its state is kept for the restart. */
  async killNode(nodeId: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await killClusterNode(nodeId, signal, { home: this.home });
  }

  /** A killed cluster node started again on its ports and data; resolves once it rejoined. */
  startNode(nodeId: number): Promise<void> {
    return startClusterNode(nodeId, { home: this.home });
  }

  /** SIGSTOP: the node keeps its sockets but answers nothing, as a frozen VM would. */
  pauseNode(nodeId: number): Promise<void> {
    return pauseClusterNode(nodeId, { home: this.home });
  }

  resumeNode(nodeId: number): Promise<void> {
    return resumeClusterNode(nodeId, { home: this.home });
  }

  /** The node that leads the KRaft quorum now. */
  controller(): Promise<number | undefined> {
    return controllerLeader({ home: this.home });
  }

  stopDatabase(): Promise<void> {
    return stopThrowawayPostgresServer(this.pgDataDir);
  }

  startDatabase(): Promise<void> {
    return startThrowawayPostgresServer(this.pgDataDir);
  }

  /** A fresh database on the suite's cluster with the ledger, dedup and outbox tables. */
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
        // Before the workers start: three creating it at once would race.
        await new (createOutboxTableMigration())().up(runner);
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
const CLUSTER_HOME_PREFIX = 'faults-cluster-';

function stopKafka(kind: FaultKafka, home: string): Promise<unknown> {
  return kind === 'cluster' ? stopCluster({ home }) : stopBroker({ home });
}

/** Brokers of fault runs whose process died without cleaning up (e.g. a SIGKILLed Jest). */
async function removeOrphanBrokers(log: (l: string) => void): Promise<void> {
  if (!fs.existsSync(KAFKA_HOME)) return;
  for (const entry of fs.readdirSync(KAFKA_HOME)) {
    const kind: FaultKafka = entry.startsWith(CLUSTER_HOME_PREFIX) ? 'cluster' : 'broker';
    const prefix = kind === 'cluster' ? CLUSTER_HOME_PREFIX : HOME_PREFIX;
    const owner = entry.startsWith(prefix) ? parseInt(entry.slice(prefix.length), 10) : NaN;
    if (!owner || isAlive(owner)) continue;
    const home = path.join(KAFKA_HOME, entry);
    await stopKafka(kind, home).catch(() => undefined);
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
