/** An error class: errors that are `instanceof` it match. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => Error;

export type ErrorKind = 'retriable' | 'non-retriable';

export type BackoffOptions =
  | { type: 'fixed'; delayMs: number }
  | {
      type: 'exponential';
      /** First delay. Default 200 ms. */
      initialMs?: number;
      /** Growth per attempt. Default 2. */
      multiplier?: number;
      /** Ceiling of one delay. Default 10000 ms. */
      maxMs?: number;
      /** Random spread, 0..1, so that many consumers do not retry in lockstep. Default 0.2. */
      jitter?: number;
    };

export interface RetryOptions {
  /** Deliveries of one message, the first included, before it is dead-lettered. Default 5. */
  maxAttempts?: number;
  /** Longest time spent retrying one message before it is dead-lettered. Default 60000 ms. */
  maxTotalMs?: number;
  backoff?: BackoffOptions;
  /** Errors that are always retried. */
  retriable?: ErrorClass[];
  /** Errors that go to the dead-letter topic without a retry. */
  nonRetriable?: ErrorClass[];
  /** Last word on an error; `undefined` falls back to the lists and the built-in rules. */
  classify?: (error: unknown) => ErrorKind | undefined;
  /**
   * Non-blocking retries: a record that fails with a retriable error is moved to
   * `<topic>.retry.1`, then `.retry.2` ..., one topic per delay, and its offset committed; the
   * partition goes on at once. Ordering is lost for retried records. Attempts are
   * `delaysMs.length + 1`, then the dead-letter topic (`maxAttempts` does not apply).
   */
  topics?: { delaysMs: number[] };
}

/** Exponential back-off from 200 ms to 10 s, 20% jitter: the default of every handler. */
export const DEFAULT_BACKOFF: BackoffOptions = {
  type: 'exponential',
  initialMs: 200,
  multiplier: 2,
  maxMs: 10_000,
  jitter: 0.2,
};
