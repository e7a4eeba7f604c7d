import { CliUsageError, parseCliArgs } from './kafka-cli-args';
import { UnsupportedKafkaVersionError } from './kafka-version';

describe('parseCliArgs', () => {
  it.each([
    [['start', '--kafka-version', '4.4.0'], 'start'],
    [['--kafka-version=4.4.0', 'stop'], 'stop'],
    [['status', '--kafka-version', '4.4.0'], 'status'],
  ])('%j: %s with the flag as the setting', (argv, command) => {
    expect(parseCliArgs(argv, { KAFKA_VERSION: '4.1.2' })).toEqual({
      command,
      kafka: { version: '4.4.0', setting: '--kafka-version' },
      brokers: 1,
    });
  });

  it('takes KAFKA_VERSION without the flag', () => {
    expect(parseCliArgs(['stop'], { KAFKA_VERSION: '4.4.0' }).kafka).toEqual({
      version: '4.4.0',
      setting: 'KAFKA_VERSION',
    });
  });

  it.each([
    [['start', '--brokers', '3'], 3],
    [['--brokers=3', 'stop'], 3],
    [['status', '--brokers', '1'], 1],
    [['status'], 1],
  ])('%j: --brokers %d (the single broker by default)', (argv, brokers) => {
    expect(parseCliArgs(argv, {}).brokers).toBe(brokers);
  });

  it.each([
    [[]],
    [['restart']],
    [['start', 'now']],
    [['start', '--kafka-version']],
    [['start', '--kafka-version', '--verbose']],
    [['start', '--kafka-versio', '4.4.0']],
    [['start', '--brokers', '2']],
    [['start', '--brokers', '0']],
    [['start', '--brokers', '03']],
    [['start', '--brokers', 'three']],
    [['start', '--brokers=']],
    [['start', '--brokers']],
  ])('%j is a usage error that shows the usage', (argv) => {
    let err: unknown;
    try {
      parseCliArgs(argv, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliUsageError);
    expect((err as Error).message).toContain('--kafka-version <version>');
    expect((err as Error).message).toContain('--brokers 1|3');
  });

  it('says which --brokers values there are', () => {
    expect(() => parseCliArgs(['start', '--brokers', '5'], {})).toThrow(
      /--brokers is "5"; it takes 1 \(the single broker\) or 3 \(a replicated cluster\)/,
    );
  });

  it('rejects an unknown version in the flag or in KAFKA_VERSION with the typed error', () => {
    expect(() => parseCliArgs(['start', '--kafka-version', '3.9.0'], {})).toThrow(
      UnsupportedKafkaVersionError,
    );
    expect(() => parseCliArgs(['status'], { KAFKA_VERSION: 'latest' })).toThrow(
      /KAFKA_VERSION is "latest".*known: 4\.1\.2, 4\.4\.0/,
    );
  });
});
