import { randomBytes } from 'node:crypto';

/**
 * UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids sort by
 * creation time (good index locality for dedup tables). Node 20's crypto has only v4.
 *
 * Within one process ids are strictly increasing: when the clock has not advanced (or went back),
 * the 12-bit `rand_a` field is used as a counter (RFC 9562 section 6.2, method 1), and when the
 * counter overflows the timestamp is advanced by one millisecond.
 */
let lastMs = -1;
let counter = 0;

export function uuidv7(now: number = Date.now()): string {
  let ms = Math.floor(now);
  if (ms > lastMs) {
    lastMs = ms;
    // Start low in the counter range so many ids fit in one millisecond.
    counter = randomBytes(2).readUInt16BE(0) & 0x01ff;
  } else {
    ms = lastMs;
    counter += 1;
    if (counter > 0x0fff) {
      lastMs += 1;
      ms = lastMs;
      counter = 0;
    }
  }
  const bytes = randomBytes(16);
  // 48-bit big-endian timestamp (above 2^32, so split: JS bit operators are 32-bit).
  const high = Math.floor(ms / 0x1_0000_0000);
  const low = ms >>> 0;
  bytes[0] = (high >>> 8) & 0xff;
  bytes[1] = high & 0xff;
  bytes.writeUInt32BE(low, 2);
  bytes[6] = 0x70 | ((counter >>> 8) & 0x0f); // version 7 + top 4 counter bits
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8] & 0x3f); // variant 10xx
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The millisecond timestamp inside a v7 UUID. */
export function uuidv7Timestamp(uuid: string): number {
  return parseInt(uuid.replace(/-/g, '').slice(0, 12), 16);
}

export const UUID_V7_PATTERN =
  /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
