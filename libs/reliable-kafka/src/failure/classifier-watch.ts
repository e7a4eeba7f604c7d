import { safeText } from '../errors/safe-text';
import { thrownName } from '../errors/thrown-value';
import type { ResolvedRetry } from './failure-policy';

/**
 * Makes a throwing `retry.classify` of the app visible. The failure policy takes a classification
 * that throws for an unknown error, retried within the attempt limit (the decision about a failure
 * must not fail), which alone would hide a broken classifier: every error it was meant to
 * dead-letter at once would take every attempt first. The first throw of each handler's classify
 * is warned of, naming the handler and the class of what it threw, never its message, which may
 * quote the record (as the key function's error does).
 */
export class ClassifierWatch {
  private readonly warned = new Set<string>();

  constructor(private readonly warn: (message: string) => void) {}

  /** The handler's retry settings, its `classify` (when it has one) watched. */
  retryOf(handlerId: string, retry: ResolvedRetry): ResolvedRetry {
    const classify = retry.classify;
    if (!classify) return retry;
    return {
      ...retry,
      classify: (error) => {
        try {
          return classify(error);
        } catch (thrown) {
          this.warnOnce(handlerId, thrown);
          throw thrown;
        }
      },
    };
  }

  private warnOnce(handlerId: string, thrown: unknown): void {
    if (this.warned.has(handlerId)) return;
    this.warned.add(handlerId);
    this.warn(
      `${handlerId}: its retry.classify threw ${safeText(thrownName(thrown))}; such errors are taken as unknown errors (retried within the attempt limit). Not repeated for this handler`,
    );
  }
}
