import assert from 'node:assert';
import {
  IdempotencyKeyFunctionError,
  MalformedRecordOriginError,
  MissingIdempotencyKeyError,
  NonRetriableError,
  PayloadDecodeError,
} from '../errors/non-retriable.error';
import {
  decideAfterFailure,
  type FailedDelivery,
  outageDelay,
  type ResolvedRetry,
} from './failure-policy';

// Jitter 0 and a fixed random: every delay below is the plain back-off value.
const noJitter = () => 0.5;
const blocking: ResolvedRetry = {
  maxAttempts: 3,
  maxTotalMs: 60_000,
  backoff: { type: 'exponential', initialMs: 100, multiplier: 2, maxMs: 100_000, jitter: 0 },
};
const withTopics: ResolvedRetry = { ...blocking, topics: { delaysMs: [1_000, 5_000] } };

function failed(overrides: Partial<FailedDelivery>): FailedDelivery {
  return {
    error: new Error('boom'),
    attempt: 1,
    earlierAttempts: 0,
    failuresBefore: 0,
    msSinceFirstTry: 0,
    ...overrides,
  };
}

const databaseDown = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
  code: 'ECONNREFUSED',
});

describe('decideAfterFailure', () => {
  it('waits for the database without an attempt limit, the back-off capped', () => {
    expect(
      decideAfterFailure(failed({ error: databaseDown, attempt: 2 }), blocking, noJitter),
    ).toEqual({ kind: 'wait-for-database', delayMs: 200 });
    // Far past maxAttempts it still waits, at the capped back-off (2^7 * 100 ms).
    expect(
      decideAfterFailure(
        failed({ error: databaseDown, attempt: 50, failuresBefore: 10 }),
        blocking,
        noJitter,
      ),
    ).toEqual({ kind: 'wait-for-database', delayMs: 12_800 });
    // Retry topics do not change that: the message is not at fault.
    expect(decideAfterFailure(failed({ error: databaseDown }), withTopics, noJitter).kind).toBe(
      'wait-for-database',
    );
  });

  it('backs off and retries a retriable error while attempts and time are left', () => {
    expect(decideAfterFailure(failed({}), blocking, noJitter)).toEqual({
      kind: 'retry',
      delayMs: 100,
    });
    expect(
      decideAfterFailure(failed({ attempt: 2, failuresBefore: 1 }), blocking, noJitter),
    ).toEqual({ kind: 'retry', delayMs: 200 });
  });

  it('retries at once when the back-off is zero', () => {
    const now: ResolvedRetry = { ...blocking, backoff: { type: 'fixed', delayMs: 0 } };
    expect(decideAfterFailure(failed({}), now, noJitter)).toEqual({ kind: 'retry', delayMs: 0 });
  });

  it('dead-letters a non-retriable error at once', () => {
    const error = new NonRetriableError('bad order');
    expect(decideAfterFailure(failed({ error }), blocking, noJitter)).toEqual({
      kind: 'dead-letter',
      attempts: 1,
    });
    expect(decideAfterFailure(failed({ error }), withTopics, noJitter)).toEqual({
      kind: 'dead-letter',
      attempts: 1,
    });
  });

  it('waits for the database even when the error is non-retriable: a lost connection is not the message at fault', () => {
    const error = new NonRetriableError('could not save the order', { cause: databaseDown });
    expect(decideAfterFailure(failed({ error }), withTopics, noJitter)).toEqual({
      kind: 'wait-for-database',
      delayMs: 100,
    });
  });

  it('follows the user classification', () => {
    const classify = () => 'non-retriable' as const;
    expect(decideAfterFailure(failed({}), { ...blocking, classify }, noJitter).kind).toBe(
      'dead-letter',
    );
  });

  it.each([
    new PayloadDecodeError('Payload is not valid JSON'),
    new MalformedRecordOriginError('header "retry-original-topic" is missing'),
    new MissingIdempotencyKeyError('no "idempotency-key" header'),
    new IdempotencyKeyFunctionError('its @Idempotent key function failed'),
  ])('dead-letters a malformed record ($name) whatever the app classifies it as', (error) => {
    const theApps: Array<Partial<ResolvedRetry>> = [
      { classify: () => 'retriable' },
      { retriable: [Error] },
    ];
    for (const classification of theApps) {
      for (const mode of [blocking, withTopics]) {
        expect(
          decideAfterFailure(failed({ error }), { ...mode, ...classification }, noJitter),
        ).toEqual({ kind: 'dead-letter', attempts: 1 });
      }
    }
  });

  it('dead-letters once maxAttempts deliveries failed', () => {
    expect(
      decideAfterFailure(failed({ attempt: 3, failuresBefore: 2 }), blocking, noJitter),
    ).toEqual({ kind: 'dead-letter', attempts: 3 });
  });

  it('dead-letters when the next retry would end past maxTotalMs', () => {
    expect(decideAfterFailure(failed({ msSinceFirstTry: 59_900 }), blocking, noJitter).kind).toBe(
      'retry',
    );
    expect(decideAfterFailure(failed({ msSinceFirstTry: 59_901 }), blocking, noJitter)).toEqual({
      kind: 'dead-letter',
      attempts: 1,
    });
  });

  it('moves a retriable error to the next retry topic, with that topic’s delay', () => {
    expect(decideAfterFailure(failed({}), withTopics, noJitter)).toEqual({
      kind: 'retry-topic',
      attempts: 1,
      delayMs: 1_000,
    });
    expect(
      decideAfterFailure(failed({ attempt: 2, earlierAttempts: 1 }), withTopics, noJitter),
    ).toEqual({ kind: 'retry-topic', attempts: 2, delayMs: 5_000 });
  });

  it('counts the retry-topic attempts by topic, not by deliveries', () => {
    // Read from retry topic 1 (one earlier attempt), retried in place once for a database outage.
    expect(
      decideAfterFailure(
        failed({ attempt: 3, earlierAttempts: 1, failuresBefore: 0 }),
        withTopics,
        noJitter,
      ),
    ).toEqual({ kind: 'retry-topic', attempts: 2, delayMs: 5_000 });
  });

  it('dead-letters after the last retry topic (maxAttempts does not apply)', () => {
    expect(
      decideAfterFailure(failed({ attempt: 3, earlierAttempts: 2 }), withTopics, noJitter),
    ).toEqual({ kind: 'dead-letter', attempts: 3 });
    // With topics, maxAttempts (3) is not what ends the retries.
    const long: ResolvedRetry = { ...withTopics, topics: { delaysMs: [1, 1, 1, 1, 1] } };
    expect(
      decideAfterFailure(failed({ attempt: 4, earlierAttempts: 3 }), long, noJitter).kind,
    ).toBe('retry-topic');
  });

  it('decides for a value the classifiers cannot look at (a revoked Proxy, a throwing getter, a throwing classify): an unknown error, retriable', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const getter = Object.defineProperty(new Error(), 'message', {
      get: () => assert.fail('message getter'),
    });
    for (const error of [proxy, getter]) {
      expect(decideAfterFailure(failed({ error }), blocking, noJitter)).toEqual({
        kind: 'retry',
        delayMs: 100,
      });
    }
    const classify = () => assert.fail('classify');
    expect(decideAfterFailure(failed({}), { ...blocking, classify }, noJitter).kind).toBe('retry');
  });
});

describe('outageDelay', () => {
  it('grows with the failures up to the cap', () => {
    const backoff = blocking.backoff;
    expect([1, 2, 8, 9, 100].map((n) => outageDelay(backoff, n, noJitter))).toEqual([
      100, 200, 12_800, 12_800, 12_800,
    ]);
  });
});
