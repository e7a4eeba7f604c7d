/**
 * Header text fit for a text column: a dead letter's headers are whatever its writer put there (a
 * record put on the dead-letter topic by hand, an older version of the library), and a NUL fails
 * a PostgreSQL insert (`invalid byte sequence for encoding "UTF8": 0x00`), as does a value longer
 * than its column. Control characters become spaces, lone surrogates U+FFFD, and the text is cut.
 */
export function storableText(value: string | undefined, maxLength: number): string | null {
  if (value === undefined) return null;
  const clean = value
    // eslint-disable-next-line no-control-regex -- control characters are what it looks for
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  if (clean.length <= maxLength) return clean;
  const end = /[\uD800-\uDBFF]/.test(clean[maxLength - 1]) ? maxLength - 1 : maxLength;
  return clean.slice(0, end);
}
