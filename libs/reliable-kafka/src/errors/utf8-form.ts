// A JavaScript string is UTF-16 code units, and a surrogate that is not half of a pair (a lone
// surrogate) is no character: it has no UTF-8 form, and encoding writes U+FFFD for it, so two
// strings that differ only there become the same bytes.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Whether a string has a UTF-8 form: one with a lone surrogate has none. */
export function hasUtf8Form(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** The string with each lone surrogate replaced by U+FFFD, as encoding it would write it. */
export function toUtf8Form(text: string): string {
  return text.replace(LONE_SURROGATES, '\uFFFD');
}
