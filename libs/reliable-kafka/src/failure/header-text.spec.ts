import { headerText, MAX_HEADER_TEXT } from './header-text';

describe('headerText', () => {
  it('keeps ordinary text, Unicode included', () => {
    expect(headerText('balance too low: €5 for Zoë 𝄞')).toBe('balance too low: €5 for Zoë 𝄞');
  });

  it('turns NUL, newlines and other control characters into spaces', () => {
    expect(headerText('a\u0000b\nc\r\td\u001be\u007ff\u0085g')).toBe('a b c  d e f g');
  });

  it('replaces a lone surrogate, which has no UTF-8 form', () => {
    expect(headerText('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(Buffer.from(headerText('x\uD800')).toString('utf8')).toBe('x\uFFFD');
  });

  it(`cuts past ${MAX_HEADER_TEXT} characters, marked, without splitting a character`, () => {
    const long = headerText('e'.repeat(5_000));
    expect(long).toHaveLength(MAX_HEADER_TEXT);
    expect(long.endsWith('e…')).toBe(true);
    // A surrogate pair straddling the cut is dropped whole.
    const pairs = headerText(`${'e'.repeat(MAX_HEADER_TEXT - 2)}𝄞𝄞`);
    expect(pairs).toBe(`${'e'.repeat(MAX_HEADER_TEXT - 2)}…`);
    expect(headerText('e'.repeat(MAX_HEADER_TEXT))).toBe('e'.repeat(MAX_HEADER_TEXT));
  });
});
