import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { safeText } from '../../errors/safe-text';
import { describeThrown, thrownMessage } from '../../errors/thrown-value';
import type { ResolvedOptions } from '../../options/reliable-kafka.options-resolver';
import { RESOLVED_OPTIONS } from '../../reliable-kafka.constants';
import type { ProducerMessage } from '../../options/producer.options';
import type { ResolvedOutboxOptions } from '../../options/producer-settings';
import { ReliableProducer } from '../reliable-producer';
import { type OutboxRow, toOutboxRow } from './outbox-row';
import { type OutboxDialect, outboxDialect } from './outbox-sql';
import { OutboxService } from './outbox.service';

/**
 * Publishes committed outbox rows in id order and marks them sent. On PostgreSQL and MySQL/MariaDB
 * a round runs in a transaction that locks its rows `FOR UPDATE SKIP LOCKED`, so relays of several
 * app instances take disjoint rows; a key whose earlier row is held by another relay is left for a
 * later round, keeping per-key order. SQLite has one writer: one relay per database.
 *
 * A crash between publishing and marking sent republishes those rows with the same
 * `idempotency-key` and `message-id` headers: `@Idempotent` consumers absorb the duplicate.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private readonly settings: ResolvedOutboxOptions;
  private loop?: Promise<void>;
  private running = false;
  private wake?: () => void;
  private stopping?: Promise<void>;

  constructor(
    @Inject(RESOLVED_OPTIONS) options: ResolvedOptions,
    private readonly outbox: OutboxService,
    private readonly producer: ReliableProducer,
  ) {
    this.settings = options.producer.outbox;
    // The relay must stop before the producer it publishes through closes.
    producer.onBeforeClose(() => this.stop());
  }

  onApplicationBootstrap(): void {
    if (this.settings.enabled) this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Starts polling (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = undefined;
    this.loop = this.run();
  }

  /** Stops polling; waits for the round in progress up to `drainTimeoutMs`. */
  stop(): Promise<void> {
    // Shared: the producer's close and Nest's shutdown hook may both ask; both wait for the drain.
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private async drain(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.settings.drainTimeoutMs);
    });
    const outcome = await Promise.race([this.loop, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.logger.warn(
        `relay round still running after ${this.settings.drainTimeoutMs} ms; its rows stay pending and are republished later`,
      );
    }
    this.loop = undefined;
  }

  /** Runs one round now; returns how many rows were published. */
  async publishPending(): Promise<number> {
    const dataSource = this.outbox.getDataSource();
    const dialect = outboxDialect(dataSource.options.type);
    // READ COMMITTED: on MySQL/MariaDB the default REPEATABLE READ makes the locking SELECT take gap
    // locks too, which block (and can deadlock with) the app's transactions inserting new outbox
    // rows. Row locks are all the relay needs. (PostgreSQL has no gap locks; it is its default.)
    const { published, failure } = dialect.lockClause
      ? await dataSource.transaction('READ COMMITTED', (manager) => this.round(manager, dialect))
      : await this.round(dataSource.manager, dialect);
    // Thrown after the commit, so the attempts and last_error of the failed rows are kept.
    if (failure !== undefined) {
      if (published === 0) throw failure;
      this.logger.warn(`published ${published} row(s), then failed: ${describeThrown(failure)}`);
    }
    return published;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let pause = this.settings.pollIntervalMs;
      try {
        const published = await this.publishPending();
        if (published >= this.settings.batchSize) pause = 0;
      } catch (error) {
        this.logger.warn(
          `relay round failed, retrying in ${this.settings.retryDelayMs} ms: ${describeThrown(error)}`,
        );
        pause = this.settings.retryDelayMs;
      }
      if (pause > 0 && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pause);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  private async round(
    manager: EntityManager,
    dialect: OutboxDialect,
  ): Promise<{ published: number; failure?: unknown }> {
    const table = dialect.quote(this.settings.tableName);
    const raw: Record<string, unknown>[] = await manager.query(
      `SELECT id, topic, message_key, payload, payload_encoding, headers, idempotency_key, message_id FROM ${table} ` +
        `WHERE sent_at IS NULL ORDER BY id LIMIT ${this.settings.batchSize} ${dialect.lockClause}`,
    );
    let rows = raw.map(toOutboxRow);
    if (rows.length === 0) return { published: 0 };
    if (dialect.lockClause) rows = await this.keepKeyOrder(manager, dialect, rows);

    let published = 0;
    let failure: unknown;
    // Consecutive rows of one topic go out as one batch; topics are published in row order.
    for (const group of groupByTopic(rows)) {
      if (failure !== undefined) break; // keep order: nothing after a failed row goes out this round
      const ids = group.rows.map((r) => r.id);
      try {
        await this.producer.sendBatch(group.topic, group.rows.map(toMessage));
        await manager.query(
          `UPDATE ${table} SET sent_at = ${dialect.placeholder(1)} WHERE id IN (${ids.map((_, i) => dialect.placeholder(i + 2)).join(', ')})`,
          [Date.now(), ...ids],
        );
        published += ids.length;
      } catch (error) {
        failure = error;
        await manager.query(
          `UPDATE ${table} SET attempts = attempts + 1, last_error = ${dialect.placeholder(1)} WHERE id IN (${ids
            .map((_, i) => dialect.placeholder(i + 2))
            .join(', ')})`,
          // A NUL would fail the UPDATE on PostgreSQL: the column gets safe text too.
          [safeText(thrownMessage(error), 2_000), ...ids],
        );
      }
    }
    return { published, failure };
  }

  /**
   * Drops rows of a key whose earliest unsent row is not in this batch (another relay holds it):
   * publishing them now would overtake it.
   */
  private async keepKeyOrder(
    manager: EntityManager,
    dialect: OutboxDialect,
    rows: OutboxRow[],
  ): Promise<OutboxRow[]> {
    const keys = [...new Set(rows.map((r) => r.messageKey).filter((k): k is string => k !== null))];
    if (keys.length === 0) return rows;
    const firsts: Array<{ message_key: string; first_id: unknown }> = await manager.query(
      `SELECT message_key, MIN(id) AS first_id FROM ${dialect.quote(this.settings.tableName)} ` +
        `WHERE sent_at IS NULL AND message_key IN (${keys.map((_, i) => dialect.placeholder(i + 1)).join(', ')}) GROUP BY message_key`,
      keys,
    );
    const ours = new Set(rows.map((r) => r.id));
    const blocked = new Set(
      firsts.filter((f) => !ours.has(String(f.first_id))).map((f) => f.message_key),
    );
    return rows.filter((r) => r.messageKey === null || !blocked.has(r.messageKey));
  }
}

function toMessage(row: OutboxRow): ProducerMessage {
  return {
    key: row.key,
    value:
      row.payload === null
        ? null
        : row.payloadEncoding === 'base64'
          ? Buffer.from(row.payload, 'base64')
          : row.payload,
    headers: row.headers,
    idempotencyKey: row.idempotencyKey,
  };
}

function groupByTopic(rows: OutboxRow[]): Array<{ topic: string; rows: OutboxRow[] }> {
  const groups: Array<{ topic: string; rows: OutboxRow[] }> = [];
  for (const row of rows) {
    const last = groups[groups.length - 1];
    if (last && last.topic === row.topic) last.rows.push(row);
    else groups.push({ topic: row.topic, rows: [row] });
  }
  return groups;
}
