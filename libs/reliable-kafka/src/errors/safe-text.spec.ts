import { safeText, MAX_SAFE_TEXT } from './safe-text';

describe('safeText', () => {
  it('keeps ordinary text, Unicode included', () => {
    expect(safeText('balance too low: €5 for Zoë 𝄞')).toBe('balance too low: €5 for Zoë 𝄞');
  });

  it('turns NUL, newlines and other control characters into spaces', () => {
    expect(safeText('a\u0000b\nc\r\td\u001be\u007ff\u0085g')).toBe('a b c  d e f g');
  });

  it('replaces a lone surrogate, which has no UTF-8 form', () => {
    expect(safeText('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(Buffer.from(safeText('x\uD800')).toString('utf8')).toBe('x\uFFFD');
  });

  it(`cuts past ${MAX_SAFE_TEXT} characters, marked, without splitting a character`, () => {
    const long = safeText('e'.repeat(5_000));
    expect(long).toHaveLength(MAX_SAFE_TEXT);
    expect(long.endsWith('e…')).toBe(true);
    // A surrogate pair straddling the cut is dropped whole.
    const pairs = safeText(`${'e'.repeat(MAX_SAFE_TEXT - 2)}𝄞𝄞`);
    expect(pairs).toBe(`${'e'.repeat(MAX_SAFE_TEXT - 2)}…`);
    expect(safeText('e'.repeat(MAX_SAFE_TEXT))).toBe('e'.repeat(MAX_SAFE_TEXT));
  });
});
