/**
 * Which Apache Kafka release the local broker runs: a setting (`--kafka-version` on the CLI, else
 * the KAFKA_VERSION environment variable, else the default), checked against the releases this
 * repository's suites were run against. Each one has its own jars and its own broker home, so two
 * releases can run side by side.
 */

export const DEFAULT_KAFKA_VERSION = '4.1.2';

/**
 * The releases the smoke, handler and group-membership suites passed against (README: supported
 * Kafka versions). A release joins this list only after those suites ran green on it: the
 * broker's config keys and the tools' classes may change between releases.
 */
export const KNOWN_KAFKA_VERSIONS: readonly string[] = ['4.1.2', '4.4.0'];

export const KAFKA_VERSION_ENV = 'KAFKA_VERSION';
export const KAFKA_VERSION_FLAG = '--kafka-version';

/** A version setting that names no release known to work; says which setting and which releases. */
export class UnsupportedKafkaVersionError extends Error {
  readonly code = 'UNSUPPORTED_KAFKA_VERSION';

  constructor(
    readonly setting: string,
    readonly value: string,
  ) {
    super(
      `${setting} is ${JSON.stringify(value)}, which is not a Kafka version known to work here; ` +
        `known: ${KNOWN_KAFKA_VERSIONS.join(', ')} (default ${DEFAULT_KAFKA_VERSION})`,
    );
    this.name = 'UnsupportedKafkaVersionError';
  }
}

/** The chosen release and the setting it came from (for messages). */
export interface KafkaVersionSetting {
  version: string;
  setting: string;
}

/** `value` if it is a known release; else the typed error naming `setting`. */
export function knownKafkaVersion(value: string, setting: string): string {
  if (!KNOWN_KAFKA_VERSIONS.includes(value)) throw new UnsupportedKafkaVersionError(setting, value);
  return value;
}

/**
 * The flag's value if given, else the environment's (an empty KAFKA_VERSION counts as unset, as
 * CI matrices write it), else the default. A value that names no known release is an error,
 * never a fall-back to the default: a run meant for one release must not quietly test another.
 */
export function kafkaVersionSetting(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): KafkaVersionSetting {
  const fromEnv = env[KAFKA_VERSION_ENV];
  const chosen =
    flag !== undefined
      ? { version: flag, setting: KAFKA_VERSION_FLAG }
      : fromEnv
        ? { version: fromEnv, setting: KAFKA_VERSION_ENV }
        : { version: DEFAULT_KAFKA_VERSION, setting: 'the default' };
  knownKafkaVersion(chosen.version, chosen.setting);
  return chosen;
}

/** The release an API call is about: its `kafkaVersion` option, else the KAFKA_VERSION setting's. */
export function kafkaVersionOption(option: string | undefined): string {
  return option === undefined
    ? kafkaVersionSetting(undefined).version
    : knownKafkaVersion(option, 'the kafkaVersion option');
}

/**
 * Whether a broker's highest metadata.version (e.g. "4.1-IV1", read over the wire) belongs to
 * the release line of `version` (4.1.x). The Kafka protocol never tells a client the broker's
 * software version; metadata.version is the closest thing the broker itself reports.
 */
export function isOfReleaseLine(metadataVersion: string, version: string): boolean {
  const line = version.split('.').slice(0, 2).join('.');
  return metadataVersion.startsWith(`${line}-`);
}
