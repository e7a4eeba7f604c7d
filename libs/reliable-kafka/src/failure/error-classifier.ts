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

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'SQLITE_BUSY',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, too many connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/**
 * pg's error for a query on a client whose connection failed while it was checked out (a server
 * restart, see dedup/connection-error-guard.ts). Matched whole: pg throws a plain Error with no code,
 * and a handler's own error that merely mentions "not queryable" is a bug of the handler, which
 * must end in the dead-letter topic, not hold its partition until "the database" answers.
 */
const PG_BROKEN_CLIENT = 'Client has encountered a connection error and is not queryable';

/**
 * True when the database (not the message) is at fault: the delivery is retried, without an
 * attempt limit, until the database answers again. Sending every message to the dead-letter topic
 * during a database outage would empty the topic into the DLQ.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const e = current as {
      code?: string;
      message?: string;
      driverError?: unknown;
      cause?: unknown;
    };
    if (
      typeof e.code === 'string' &&
      (CONNECTION_ERROR_CODES.has(e.code) || e.code.startsWith('08'))
    ) {
      return true;
    }
    if (
      typeof e.message === 'string' &&
      /Connection terminated|connection is closed|Connection lost|Cannot enqueue .* after fatal error|terminating connection/i.test(
        e.message,
      )
    ) {
      return true;
    }
    if (e.message === PG_BROKEN_CLIENT) return true;
    current = e.driverError ?? e.cause;
  }
  return false;
}
