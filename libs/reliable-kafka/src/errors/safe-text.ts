import { toUtf8Form } from './utf8-form';

/**
 * Longest text the library writes outside a record (a `dlq-*` header, a log line's error, a span
 * status), in characters (UTF-16 code units); longer text is cut.
 */
export const MAX_SAFE_TEXT = 1_000;

// C0 and C1 control characters and DEL: a NUL fails a PostgreSQL text insert of the header, a
// newline forges a log line. Each becomes a space, so the words around it stay apart.
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text the library writes outside a record (headers, log lines, span statuses), made safe: valid
 * UTF-8 (a lone surrogate, which has no UTF-8 form, becomes U+FFFD), no control characters, at
 * most `maxLength` characters, cut at a character boundary and marked with `…` when longer.
 */
export function safeText(value: string, maxLength = MAX_SAFE_TEXT): string {
  const clean = toUtf8Form(value.replace(CONTROL_CHARACTERS, ' '));
  if (clean.length <= maxLength) return clean;
  let end = maxLength - 1;
  // Do not split a surrogate pair: half of one is no character.
  if (/[\uD800-\uDBFF]/.test(clean[end - 1])) end--;
  return `${clean.slice(0, end)}…`;
}
