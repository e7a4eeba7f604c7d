import { PayloadDecodeError } from '../errors/non-retriable.error';
import { decodeUtf8Strictly, firstInvalidUtf8Offset } from './strict-utf8';

// The reference: the WHATWG decoder, fatal (an error instead of U+FFFD) and keeping a byte order
// mark as U+FEFF, as decodeUtf8Strictly does.
const reference = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function referenceDecode(bytes: Uint8Array): string | undefined {
  try {
    return reference.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Where the reference says the bytes stop being UTF-8: the length of their longest prefix it
 * accepts. UTF-8 is parsed left to right with no going back, so no prefix reaching past the first
 * ill-formed sequence is accepted, and every prefix ending where that sequence starts is.
 */
function referenceFirstInvalidOffset(bytes: Uint8Array): number {
  if (referenceDecode(bytes) !== undefined) return -1;
  for (let end = bytes.length - 1; end >= 0; end--) {
    if (referenceDecode(bytes.subarray(0, end)) !== undefined) return end;
  }
  return 0;
}

/** Marsaglia's xorshift32 from a fixed seed: the same inputs on every run. */
function seededRandom(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  };
}

/** A code point in `length` bytes of the UTF-8 bit layout, whether or not that form is allowed. */
function utf8Form(codePoint: number, length: number): number[] {
  if (length === 1) return [codePoint];
  const bytes: number[] = [];
  let rest = codePoint;
  for (let i = length - 1; i > 0; i--) {
    bytes[i] = 0x80 | (rest & 0x3f);
    rest >>>= 6;
  }
  bytes[0] = ((0xff00 >> length) & 0xff) | rest;
  return bytes;
}

const shortestLength = (codePoint: number) =>
  codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;

// The edges of each sequence length, of the surrogate gap and of Unicode, the byte order mark.
const EDGE_CODE_POINTS = [
  0x00, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfeff, 0xfffd, 0xffff, 0x10000, 0x10ffff,
];

const WELL_FORMED = ['ascii', 'an edge code point', 'any scalar value'];

type Piece = (random: (below: number) => number) => number[];

/** Pieces of input, each a well-formed sequence or one way of breaking the rules. */
const PIECES: Record<string, Piece> = {
  ascii: (random) => [random(0x80)],
  'an edge code point': (random) => {
    const codePoint = EDGE_CODE_POINTS[random(EDGE_CODE_POINTS.length)];
    return utf8Form(codePoint, shortestLength(codePoint));
  },
  'any scalar value': (random) => {
    let codePoint = random(0x110000 - 0x800);
    if (codePoint >= 0xd800) codePoint += 0x800; // past the surrogates
    return utf8Form(codePoint, shortestLength(codePoint));
  },
  'an overlong form': (random) => {
    const codePoint = random(2) === 0 ? random(0x80) : random(0x10000);
    const shortest = shortestLength(codePoint);
    return utf8Form(codePoint, shortest + 1 + random(4 - shortest));
  },
  'a surrogate in three bytes': (random) => utf8Form(0xd800 + random(0x800), 3),
  'a code point above U+10FFFF': (random) => utf8Form(0x110000 + random(0x1fffff - 0x10ffff), 4),
  'a sequence cut short': (random) => {
    const codePoint = 0x80 + random(0x10ffff - 0x80);
    const whole = utf8Form(codePoint, shortestLength(codePoint));
    return whole.slice(0, 1 + random(whole.length - 1));
  },
  'a lone continuation byte': (random) => [0x80 + random(0x40)],
  'a byte no sequence starts with': (random) => [[0xc0, 0xc1, 0xf5, 0xf8, 0xfe, 0xff][random(6)]],
  'any byte': (random) => [random(0x100)],
};

describe('decodeUtf8Strictly against a reference decoder', () => {
  it('accepts and rejects what the reference does, decodes to the same text, and names the same offset', () => {
    const random = seededRandom(0x5eed_2020);
    const wellFormed = WELL_FORMED.map((kind) => PIECES[kind]);
    const breaking = Object.keys(PIECES)
      .filter((kind) => !WELL_FORMED.includes(kind))
      .map((kind) => PIECES[kind]);
    // Three pieces in four well-formed: inputs with a flaw deep inside, after valid text, are common.
    const piece: Piece = (r) =>
      r(4) < 3 ? wellFormed[r(wellFormed.length)](r) : breaking[r(breaking.length)](r);
    const disagreements: string[] = [];
    let rejected = 0;
    for (let n = 0; n < 20_000 && disagreements.length < 5; n++) {
      const pieces = Array.from({ length: random(7) }, () => piece(random));
      const input = Buffer.from(pieces.flat());
      const expected = referenceDecode(input);
      const expectedOffset = referenceFirstInvalidOffset(input);
      let actual: string | undefined;
      let refusal = '';
      try {
        actual = decodeUtf8Strictly(input, 'x');
      } catch (error) {
        refusal = error instanceof PayloadDecodeError ? error.message : `not typed: ${error}`;
      }
      const expectedRefusal = `x is not valid UTF-8: invalid byte sequence at byte offset ${expectedOffset} of ${input.length}`;
      const agrees =
        expected === undefined
          ? actual === undefined && refusal === expectedRefusal
          : actual === expected;
      if (!agrees || firstInvalidUtf8Offset(input) !== expectedOffset) {
        disagreements.push(
          `<${input.toString('hex')}>: reference ${expected === undefined ? `refuses at ${expectedOffset}` : 'accepts'}; ` +
            `ours ${actual === undefined ? refusal : 'accepts'} (offset ${firstInvalidUtf8Offset(input)})`,
        );
      }
      if (expected === undefined) rejected++;
    }
    expect(disagreements).toEqual([]);
    // Both answers are tested often, not one almost always.
    expect(rejected).toBeGreaterThan(5_000);
    expect(rejected).toBeLessThan(15_000);
  });

  it.each(Object.entries(PIECES).filter(([kind]) => kind !== 'any byte'))(
    '%s: the generator makes what it says',
    (kind, piece) => {
      const random = seededRandom(kind.length);
      for (let n = 0; n < 200; n++) {
        const accepted = referenceDecode(Buffer.from(piece(random))) !== undefined;
        expect(accepted).toBe(WELL_FORMED.includes(kind));
      }
    },
  );
});
