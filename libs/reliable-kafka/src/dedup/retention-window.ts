import { ReliableKafkaConfigurationError } from '../errors/configuration.error';

/** `forever`, a duration such as `1h`, `24h`, `7d`, `90m`, `30s`, or milliseconds. */
export type RetentionWindow = 'forever' | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}` | number;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds a dedup record is kept, or `null` for forever. */
export function parseRetentionWindow(value: RetentionWindow, setting: string): number | null {
  if (value === 'forever') return null;
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return value;
  } else {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(String(value).trim());
    if (match) {
      const ms = Number(match[1]) * UNIT_MS[match[2]];
      if (ms > 0) return ms;
    }
  }
  throw new ReliableKafkaConfigurationError(
    setting,
    `expected 'forever', a positive duration like '1h', '24h', '7d', '90m', or milliseconds; got ${JSON.stringify(value)}`,
  );
}
