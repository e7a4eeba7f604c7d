import { backoffDelay } from './backoff';
import { classifyError, isDatabaseUnavailable } from './error-classifier';
import { MalformedRecordError } from '../errors/non-retriable.error';
import { isThrownInstance } from '../errors/thrown-value';
import type { BackoffOptions, RetryOptions } from '../options/retry.options';

/** A handler's retry settings with their defaults applied. */
export type ResolvedRetry = Required<Pick<RetryOptions, 'maxAttempts' | 'maxTotalMs'>> &
  RetryOptions & { backoff: BackoffOptions };

/** Back-off exponent cap for waits without an attempt limit (database down, a topic unwritable). */
const OUTAGE_BACKOFF_CAP = 8;

/** What is known about a failed delivery when its fate is decided. */
export interface FailedDelivery {
  error: unknown;
  /** This delivery's attempt number, attempts on earlier retry topics included. */
  attempt: number;
  /** Attempts the record took before it reached the topic it is read from (0 on its source). */
  earlierAttempts: number;
  /** Handler failures of this record on this topic before this one (database outages excluded). */
  failuresBefore: number;
  /** Time since the first delivery of this record on this topic. */
  msSinceFirstTry: number;
}

/**
 * `wait-for-database`: the database, not the message, is at fault; retry without an attempt
 * limit. `retry`: deliver the record again after `delayMs` (blocking retry, 0 is at once).
 * `retry-topic`: move the record to its next retry topic. `dead-letter`: retrying cannot help or
 * the attempts ran out. Nothing here drops a record: the two that let its offset be committed
 * (`retry-topic`, `dead-letter`) do so only once the record is written to another topic.
 */
export type FailureDecision =
  | { kind: 'wait-for-database'; delayMs: number }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'retry-topic'; attempts: number; delayMs: number }
  | { kind: 'dead-letter'; attempts: number };

/**
 * The decision after a delivery failed. A database that cannot be reached comes first, whatever
 * the error's class (an error caused by a lost connection waits for the database, since the
 * message is not at fault). A malformed record (MalformedRecordError) comes next: it is
 * dead-lettered whatever the app's classification says, since every delivery of it fails alike.
 * Otherwise it is keyed on the classification (classifyError): an error classified non-retriable
 * is dead-lettered whichever mode of retries is on.
 */
export function decideAfterFailure(
  failed: FailedDelivery,
  retry: ResolvedRetry,
  random: () => number = Math.random,
): FailureDecision {
  const { error, attempt, earlierAttempts } = failed;
  if (classified(() => isDatabaseUnavailable(error), false)) {
    return { kind: 'wait-for-database', delayMs: outageDelay(retry.backoff, attempt, random) };
  }
  if (isThrownInstance(error, MalformedRecordError))
    return { kind: 'dead-letter', attempts: attempt };
  const retriable = classified(() => classifyError(error, retry), 'retriable') === 'retriable';
  const retryDelays = retry.topics?.delaysMs;
  if (retryDelays) {
    if (retriable && earlierAttempts < retryDelays.length) {
      return {
        kind: 'retry-topic',
        attempts: earlierAttempts + 1,
        delayMs: retryDelays[earlierAttempts],
      };
    }
    return { kind: 'dead-letter', attempts: attempt };
  }
  const failures = failed.failuresBefore + 1;
  const delayMs = backoffDelay(retry.backoff, failures, random);
  const withinTime = failed.msSinceFirstTry + delayMs <= retry.maxTotalMs;
  if (retriable && failures < retry.maxAttempts && withinTime) return { kind: 'retry', delayMs };
  return { kind: 'dead-letter', attempts: attempt };
}

/**
 * The classifiers look at the thrown value (its code, message and class, and the app's `classify`
 * does what it likes), and a look can throw (a revoked Proxy, a throwing getter). Such a value is
 * an unknown error, retriable within the attempt limit like any other: the decision about a
 * failure must not fail, or the record would be neither retried nor dead-lettered. A throwing
 * `classify` of the app is warned of by the consumers (ClassifierWatch), not here: this stays pure.
 */
function classified<T>(look: () => T, otherwise: T): T {
  try {
    return look();
  } catch {
    return otherwise;
  }
}

/**
 * The wait before trying again something that fails for reasons outside the message (database
 * down, dead-letter or retry topic unwritable): growing with `failures` but capped, since there
 * is no attempt limit.
 */
export function outageDelay(
  backoff: BackoffOptions,
  failures: number,
  random: () => number = Math.random,
): number {
  return backoffDelay(backoff, Math.min(failures, OUTAGE_BACKOFF_CAP), random);
}
