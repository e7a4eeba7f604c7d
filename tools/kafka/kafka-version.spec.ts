import {
  DEFAULT_KAFKA_VERSION,
  isOfReleaseLine,
  KNOWN_KAFKA_VERSIONS,
  kafkaVersionSetting,
  knownKafkaVersion,
  UnsupportedKafkaVersionError,
} from './kafka-version';

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('kafkaVersionSetting', () => {
  it('is the default without a flag or KAFKA_VERSION', () => {
    expect(kafkaVersionSetting(undefined, {})).toEqual({
      version: DEFAULT_KAFKA_VERSION,
      setting: 'the default',
    });
    expect(KNOWN_KAFKA_VERSIONS).toContain(DEFAULT_KAFKA_VERSION);
  });

  it('takes KAFKA_VERSION, and treats an empty one as unset', () => {
    expect(kafkaVersionSetting(undefined, { KAFKA_VERSION: '4.4.0' })).toEqual({
      version: '4.4.0',
      setting: 'KAFKA_VERSION',
    });
    expect(kafkaVersionSetting(undefined, { KAFKA_VERSION: '' }).version).toBe(
      DEFAULT_KAFKA_VERSION,
    );
  });

  it('takes the flag over KAFKA_VERSION', () => {
    expect(kafkaVersionSetting('4.1.2', { KAFKA_VERSION: '4.4.0' })).toEqual({
      version: '4.1.2',
      setting: '--kafka-version',
    });
  });

  it.each([
    ['3.9.0', {}, '--kafka-version'],
    ['', {}, '--kafka-version'],
    [' 4.4.0', {}, '--kafka-version'],
    ['4.4', { KAFKA_VERSION: '4.4.0' }, '--kafka-version'],
    [undefined, { KAFKA_VERSION: '4.5.0' }, 'KAFKA_VERSION'],
  ])(
    'rejects flag %j (env %j), naming %s and the versions known to work, instead of falling back',
    (flag, env, setting) => {
      const err = errorOf(() => kafkaVersionSetting(flag, env));
      expect(err).toBeInstanceOf(UnsupportedKafkaVersionError);
      const e = err as UnsupportedKafkaVersionError;
      const value = flag ?? env.KAFKA_VERSION;
      expect({ code: e.code, setting: e.setting, value: e.value }).toEqual({
        code: 'UNSUPPORTED_KAFKA_VERSION',
        setting,
        value,
      });
      expect(e.message).toContain(`${setting} is ${JSON.stringify(value)}`);
      for (const known of KNOWN_KAFKA_VERSIONS) expect(e.message).toContain(known);
    },
  );
});

describe('knownKafkaVersion', () => {
  it('passes a known release through and names the setting of an unknown one', () => {
    expect(knownKafkaVersion('4.4.0', 'the kafkaVersion option')).toBe('4.4.0');
    const err = errorOf(() => knownKafkaVersion('4.2.0', 'the kafkaVersion option'));
    expect((err as UnsupportedKafkaVersionError).setting).toBe('the kafkaVersion option');
  });
});

describe('isOfReleaseLine', () => {
  it.each([
    ['4.1-IV1', '4.1.2', true],
    ['4.4-IV2', '4.4.0', true],
    ['4.1-IV1', '4.4.0', false],
    ['4.10-IV0', '4.1.2', false],
    ['4.1-IV1', '4.10.0', false],
  ])('metadata.version %s of Kafka %s: %s', (metadataVersion, version, expected) => {
    expect(isOfReleaseLine(metadataVersion, version)).toBe(expected);
  });
});
