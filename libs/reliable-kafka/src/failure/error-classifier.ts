import { HttpException } from '@nestjs/common';
import { NonRetriableError } from '../errors/non-retriable.error';
import { RetriableError } from '../errors/retriable.error';
import type { ErrorKind, RetryOptions } from '../options/retry.options';

/**
 * Decides whether retrying a failed delivery can help. Order: the user's `classify`, the user's
 * lists, the library's marker classes, then built-in rules. Unknown errors are retriable: with a
 * bounded number of attempts they still end in the dead-letter topic, never lost.
 */
export function classifyError(error: unknown, retry: RetryOptions): ErrorKind {
  const decided = retry.classify?.(error);
  if (decided) return decided;
  if (retry.nonRetriable?.some((type) => error instanceof type)) return 'non-retriable';
  if (retry.retriable?.some((type) => error instanceof type)) return 'retriable';
  if (error instanceof RetriableError) return 'retriable';
  if (error instanceof NonRetriableError) return 'non-retriable';
  // Pipes (ValidationPipe, ParseIntPipe) and guards reject a message with a 4xx HttpException: the
  // same message will be rejected again.
  if (error instanceof HttpException && error.getStatus() >= 400 && error.getStatus() < 500) {
    return 'non-retriable';
  }
  return 'retriable';
}

/**
 * Codes of the errors a database driver gives when the database, not the message, is at fault.
 * Each is matched whole, on the error or any cause of it (TypeORM's QueryFailedError keeps the
 * driver's error as `driverError`).
 */
const CONNECTION_ERROR_CODES = new Set([
  // Node's sockets, under every driver: refused, reset, timed out, broken, unreachable, no address.
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  // mysql2: the server closed the connection; the server is shutting down; too many connections.
  // mysql: a query on a connection a fatal error ended.
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  // better-sqlite3: another connection holds the lock.
  'SQLITE_BUSY',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, too many connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** PostgreSQL's class 08, connection exception (08000, 08003, 08006, 08001, 08004, 08P01, ...). */
const PG_CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;

/**
 * The drivers' errors that carry no code, matched by their whole message: a handler's own error
 * that merely mentions such words ("connection lost", "terminating connection") is a bug of the
 * handler or a failure of another service, which must end in the dead-letter topic, not hold its
 * partition until "the database" answers. Not matched: pg's 'Connection terminated' and 'Client
 * was closed and is not queryable', which follow the app ending that client itself.
 */
const DRIVER_OUTAGE_MESSAGES = new Set([
  // pg: the server or the network ended the connection; a query on a client whose connection
  // failed while it was checked out (a server restart, see dedup/connection-error-guard.ts).
  'Connection terminated unexpectedly',
  'Client has encountered a connection error and is not queryable',
  // pg-pool: no connection within connectionTimeoutMillis.
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  // mysql2: a query on a connection a fatal error (the connection lost) ended.
  "Can't add new command when connection is in closed state",
]);

/**
 * True when the database (not the message) is at fault: the delivery is retried, without an
 * attempt limit, until the database answers again. Sending every message to the dead-letter topic
 * during a database outage would empty the topic into the DLQ.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const e = current as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    if (
      typeof e.code === 'string' &&
      (CONNECTION_ERROR_CODES.has(e.code) || PG_CONNECTION_EXCEPTION.test(e.code))
    ) {
      return true;
    }
    if (typeof e.message === 'string' && DRIVER_OUTAGE_MESSAGES.has(e.message)) return true;
    current = e.driverError ?? e.cause;
  }
  return false;
}
