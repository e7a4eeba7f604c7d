import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { describeThrown } from '../errors/thrown-value';

interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

interface PgPool {
  on(event: 'connect', listener: (client: ErrorEmitter) => void): unknown;
}

const guarded = new WeakSet<object>();

/**
 * Keeps a PostgreSQL restart or failover from ending the process (invariant 9). pg-pool stops
 * listening for a client's `error` event when it hands the client out, and TypeORM starts
 * listening only a promise callback later; when the server ends a session ("terminating
 * connection due to administrator command", 57P01) in the same read as the new connection's
 * ReadyForQuery, the error is emitted in between, with no listener, and Node ends the process.
 * So every connection of the pool gets a listener of its own when it is made. pg has marked the
 * client unusable by then: its next query fails with a connection error, which the consumer
 * retries as "database unavailable", and the pool drops the client when it is released.
 * Applies to the DataSource's pg pools (the app's own DataSource, however it is configured).
 */
export function guardConnectionErrors(dataSource: DataSource): void {
  if (dataSource.options.type !== 'postgres') return;
  const logger = new Logger('ReliableKafka:database');
  const driver = dataSource.driver as unknown as { master?: PgPool; slaves?: PgPool[] };
  for (const pool of [driver.master, ...(driver.slaves ?? [])]) {
    if (!pool || guarded.has(pool)) continue;
    guarded.add(pool);
    pool.on('connect', (client) =>
      client.on('error', (error) =>
        logger.warn(`a database connection failed, it will be replaced: ${describeThrown(error)}`),
      ),
    );
  }
}
