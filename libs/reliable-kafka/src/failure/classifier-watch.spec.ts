import { ClassifierWatch } from './classifier-watch';
import { decideAfterFailure, type ResolvedRetry } from './failure-policy';

const retry = (classify?: ResolvedRetry['classify']): ResolvedRetry => ({
  maxAttempts: 3,
  maxTotalMs: 60_000,
  backoff: { type: 'fixed', delayMs: 10 },
  classify,
});

describe('ClassifierWatch', () => {
  const warnings: string[] = [];
  const watch = new ClassifierWatch((message) => warnings.push(message));
  const broken = retry(() => {
    throw new TypeError('cannot read amount of {"card":"4111 1111 1111 1111"}');
  });
  const failed = {
    error: new Error('boom'),
    attempt: 1,
    earlierAttempts: 0,
    failuresBefore: 0,
    msSinceFirstTry: 0,
  };

  it('warns once per handler of a classify that throws, naming the class only; the decision stands', () => {
    for (const handlerId of ['Orders.place', 'Orders.place', 'Payments.charge']) {
      const decision = decideAfterFailure(failed, watch.retryOf(handlerId, broken));
      expect(decision).toEqual({ kind: 'retry', delayMs: 10 });
    }
    expect(warnings).toEqual([
      'Orders.place: its retry.classify threw TypeError; such errors are taken as unknown errors (retried within the attempt limit). Not repeated for this handler',
      'Payments.charge: its retry.classify threw TypeError; such errors are taken as unknown errors (retried within the attempt limit). Not repeated for this handler',
    ]);
  });

  it('leaves a classify that answers, and settings without one, as they are', () => {
    warnings.length = 0;
    const answering = retry(() => 'non-retriable');
    const decision = decideAfterFailure(failed, watch.retryOf('Orders.ship', answering));
    expect(decision).toEqual({ kind: 'dead-letter', attempts: 1 });
    const none = retry();
    expect(watch.retryOf('Orders.ship', none)).toBe(none);
    expect(warnings).toEqual([]);
  });
});
