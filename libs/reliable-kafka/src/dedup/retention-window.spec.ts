import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import { parseRetentionWindow } from './retention-window';

describe('parseRetentionWindow', () => {
  it.each([
    ['1h', 3_600_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['90m', 5_400_000],
    ['30s', 30_000],
    [1234, 1234],
  ] as const)('%s is %d ms', (value, ms) => {
    expect(parseRetentionWindow(value, 'dedup.retention')).toBe(ms);
  });

  it('forever keeps records forever', () => {
    expect(parseRetentionWindow('forever', 'dedup.retention')).toBeNull();
  });

  it.each(['1w', '', '-1h', 0, -5])('rejects %p naming the setting', (value) => {
    expect(() => parseRetentionWindow(value as never, 'dedup.retention')).toThrow(
      ReliableKafkaConfigurationError,
    );
    expect(() => parseRetentionWindow(value as never, 'dedup.retention')).toThrow(
      /"dedup\.retention"/,
    );
  });
});
