import { PayloadDecodeError } from '../errors/non-retriable.error';
import { decodeHeaderStrictly, decodeUtf8Strictly, firstInvalidUtf8Offset } from './strict-utf8';

const bytes = (...values: number[]) => Buffer.from(values);

describe('decodeUtf8Strictly', () => {
  it('decodes UTF-8, multi-byte characters and a byte order mark included', () => {
    expect(decodeUtf8Strictly(Buffer.from('héllo €𝄞'), 'x')).toBe('héllo €𝄞');
    expect(decodeUtf8Strictly(bytes(0xef, 0xbb, 0xbf), 'x')).toBe('\uFEFF');
  });

  it('refuses what a lenient decoder would turn into U+FFFD, saying where, not what', () => {
    const run = () => decodeUtf8Strictly(bytes(0x61, 0x62, 0xff, 0x63), 'Header "idempotency-key"');
    expect(run).toThrow(PayloadDecodeError);
    expect(run).toThrow(
      'Header "idempotency-key" is not valid UTF-8: invalid byte sequence at byte offset 2 of 4',
    );
  });
});

describe('firstInvalidUtf8Offset', () => {
  it.each([
    ['a lone continuation byte', [0x61, 0x80], 1],
    ['an overlong NUL', [0xc0, 0x80], 0],
    ['an overlong three-byte form', [0xe0, 0x80, 0x80], 0],
    ['a UTF-16 surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a sequence cut short at the end', [0x61, 0x62, 0xe2, 0x82], 2],
    ['a sequence cut short by an ASCII byte', [0xe2, 0x41, 0x41], 0],
    ['0xff', [0x61, 0xff], 1],
  ])('finds %s', (_what, input, offset) => {
    expect(firstInvalidUtf8Offset(Buffer.from(input))).toBe(offset);
  });
});

describe('decodeHeaderStrictly', () => {
  it('decodes the header bytes, not the lenient text beside them', () => {
    const record = {
      headers: { k: 'u8-\uFFFD' },
      rawHeaders: { k: bytes(0x75, 0x38, 0x2d, 0xff) },
    };
    expect(() => decodeHeaderStrictly(record, 'k')).toThrow(PayloadDecodeError);
    expect(decodeHeaderStrictly({ headers: {}, rawHeaders: {} }, 'k')).toBeUndefined();
  });

  it('takes the text of a record built by hand without the bytes', () => {
    expect(decodeHeaderStrictly({ headers: { k: 'v' }, rawHeaders: {} }, 'k')).toBe('v');
  });
});
