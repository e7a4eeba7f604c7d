import { safeText } from './safe-text';

// Anything can be thrown, and looking at it can throw again: an object without a prototype has no
// toString, a `message` getter or a `toString` may throw, a revoked Proxy throws on every look,
// even `instanceof`. Describing a failure must never be a second failure (in the dead-letter path
// it would leave the record neither handled nor dead-lettered), so every look here is guarded and
// each function returns text, whatever it is given.

/** Said of a value whose message and text cannot be read. */
export const UNDESCRIBABLE = '(cannot be described)';

/**
 * The class of a thrown value: an Error's `name`, the constructor's name of another object, else
 * its type (`string`, `bigint`, `object`, `null`, ...). The `name` of an object that is not an
 * Error is not taken: it may be data (a payload thrown as it is).
 */
export function thrownName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  const own = isThrownInstance(value, Error) ? guarded(() => (value as Error).name) : undefined;
  if (typeof own === 'string' && own !== '') return own;
  const constructorName = guarded(() => Object.getPrototypeOf(value)?.constructor?.name);
  return typeof constructorName === 'string' && constructorName !== ''
    ? constructorName
    : typeof value;
}

/**
 * What a thrown value says: its `message` when it has one, with the reasons of a Nest
 * HttpException (a ValidationPipe's list, which its message "Bad Request Exception" leaves out);
 * else its text.
 */
export function thrownMessage(value: unknown): string {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return textOf(value);
  }
  const message = guarded(() => (value as { message?: unknown }).message);
  const said = message === undefined || message === null ? textOf(value) : textOf(message);
  const reasons = guarded(() => httpReasons(value));
  return reasons === undefined || reasons === said ? said : `${said}: ${reasons}`;
}

/**
 * A thrown value as one line of safe text, for a log line or a span status: `Name: message` for
 * an object (an Error), the text of anything else. What the thrower wrote is carried as written,
 * made safe and bounded as a dead-letter header is (safeText).
 */
export function describeThrown(value: unknown): string {
  const isObject = value !== null && (typeof value === 'object' || typeof value === 'function');
  const message = thrownMessage(value);
  return safeText(isObject ? `${thrownName(value)}: ${message}` : message);
}

/** The `code` of a thrown value when it is a string (Node's, a driver's, the library's). */
export function thrownCode(value: unknown): string | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function'))
    return undefined;
  const code = guarded(() => (value as { code?: unknown }).code);
  return typeof code === 'string' ? code : undefined;
}

/** `value instanceof type`, and false when even that look throws (a revoked Proxy). */
export function isThrownInstance(
  value: unknown,
  type: abstract new (...args: never[]) => unknown,
): boolean {
  return guarded(() => value instanceof type) ?? false;
}

function httpReasons(value: object): string | undefined {
  const { getResponse } = value as { getResponse?: unknown };
  if (typeof getResponse !== 'function') return undefined;
  const reasons = (getResponse.call(value) as { message?: unknown } | null | undefined)?.message;
  if (Array.isArray(reasons)) return reasons.map(textOf).join('; ');
  return typeof reasons === 'string' ? reasons : undefined;
}

/** String(value), which throws for some values (no toString, a throwing one, a revoked Proxy). */
function textOf(value: unknown): string {
  return guarded(() => String(value)) ?? UNDESCRIBABLE;
}

function guarded<T>(look: () => T): T | undefined {
  try {
    return look();
  } catch {
    return undefined;
  }
}
