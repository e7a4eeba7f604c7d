import { UUID_V7_PATTERN, uuidv7, uuidv7Timestamp } from './uuid-v7';

describe('uuidv7', () => {
  it('has the RFC 9562 layout: version 7, variant 10', () => {
    for (let i = 0; i < 100; i++) expect(uuidv7()).toMatch(UUID_V7_PATTERN);
  });

  it('carries the creation time in its first 48 bits', () => {
    const now = Date.UTC(2030, 0, 1);
    expect(uuidv7Timestamp(uuidv7(now))).toBeGreaterThanOrEqual(now);
  });

  it('is strictly increasing within a process, even within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidv7(1_800_000_000_000));
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays increasing when the clock goes back', () => {
    const a = uuidv7(1_900_000_000_000);
    const b = uuidv7(1_899_999_999_000);
    expect(b > a).toBe(true);
  });
});
