import { ReliableKafkaConfigurationError } from '../../errors/configuration.error';
import {
  DEFAULT_REBALANCE_TIMEOUT_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
} from '../../reliable-kafka.constants';
import {
  type ConfluentClientOptions,
  RESERVED_LIBRDKAFKA_PROPERTIES,
} from './confluent-client-options';

const SETTINGS: ReadonlySet<string> = new Set([
  'library',
  'brokers',
  'clientId',
  'ssl',
  'sasl',
  'connectionTimeout',
  'requestTimeout',
  'consumer',
  'librdkafka',
]);
const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'];
const CONSUMER_SETTINGS: ReadonlySet<string> = new Set(['groupProtocol', 'groupInstanceId']);

/** The library's consumer settings, as far as the Confluent client depends on them. */
export interface ConsumerTimings {
  sessionTimeout?: number;
  heartbeatInterval?: number;
  rebalanceTimeout?: number;
}

/**
 * Checks the Confluent settings against each other and against the consumer options, at
 * bootstrap: a kafkajs-only setting, a reserved librdkafka property, or a group protocol that
 * does not take a setting given fails, naming it.
 */
export function validateConfluentOptions(
  client: ConfluentClientOptions,
  consumer: ConsumerTimings | undefined,
): void {
  const fail = (setting: string, problem: string) => {
    throw new ReliableKafkaConfigurationError(setting, problem);
  };
  for (const key of Object.keys(client)) {
    if (!SETTINGS.has(key)) {
      fail(
        `client.${key}`,
        `not a setting of the Confluent client (library: 'confluent'); it takes ${[...SETTINGS].join(', ')}, and librdkafka properties under client.librdkafka`,
      );
    }
  }
  if (!Array.isArray(client.brokers)) {
    fail('client.brokers', 'the Confluent client takes a list of host:port, not a function');
  }
  if (client.ssl !== undefined && typeof client.ssl !== 'boolean') {
    fail(
      'client.ssl',
      'the Confluent client takes true or false; certificates are librdkafka properties (client.librdkafka: ssl.ca.location, ssl.certificate.location, ...)',
    );
  }
  if (client.sasl !== undefined) {
    if (!SASL_MECHANISMS.includes(client.sasl?.mechanism)) {
      fail(
        'client.sasl.mechanism',
        `"${String(client.sasl?.mechanism)}" is not one of ${SASL_MECHANISMS.join(', ')}`,
      );
    }
    for (const field of ['username', 'password'] as const) {
      if (typeof client.sasl[field] !== 'string') fail(`client.sasl.${field}`, 'give a string');
    }
  }
  for (const key of Object.keys(client.consumer ?? {})) {
    if (!CONSUMER_SETTINGS.has(key)) {
      fail(
        `client.consumer.${key}`,
        `not a setting of the Confluent consumer; it takes ${[...CONSUMER_SETTINGS].join(', ')} (the group's other settings are under consumer)`,
      );
    }
  }
  const protocol = client.consumer?.groupProtocol ?? 'classic';
  if (protocol !== 'classic' && protocol !== 'consumer') {
    fail('client.consumer.groupProtocol', `"${String(protocol)}" is not 'classic' or 'consumer'`);
  }
  if (protocol === 'consumer') {
    for (const setting of ['sessionTimeout', 'heartbeatInterval'] as const) {
      if (consumer?.[setting] !== undefined) {
        fail(
          `consumer.${setting}`,
          "the consumer group protocol (client.consumer.groupProtocol: 'consumer') takes it from the broker (group.consumer.* settings); remove it",
        );
      }
    }
  }
  if (protocol === 'classic') {
    // librdkafka refuses a max.poll.interval.ms (twice rebalanceTimeout, as the package sets it)
    // under session.timeout.ms, at connect; here it is refused at bootstrap, by its own name.
    const session = consumer?.sessionTimeout ?? DEFAULT_SESSION_TIMEOUT_MS;
    const rebalance = consumer?.rebalanceTimeout ?? DEFAULT_REBALANCE_TIMEOUT_MS;
    if (rebalance * 2 < session) {
      fail(
        'consumer.rebalanceTimeout',
        `${rebalance} ms is under half of consumer.sessionTimeout (${session} ms): Confluent's client polls within twice the rebalance timeout (max.poll.interval.ms), which must be at least the session timeout`,
      );
    }
  }
  const instanceId = client.consumer?.groupInstanceId;
  if (instanceId !== undefined && (typeof instanceId !== 'string' || instanceId === '')) {
    fail('client.consumer.groupInstanceId', 'give a non-empty string, unique per running instance');
  }
  for (const property of Object.keys(client.librdkafka ?? {})) {
    if (RESERVED_LIBRDKAFKA_PROPERTIES.includes(property)) {
      fail(
        `client.librdkafka.${property}`,
        "the library sets this property itself for its delivery guarantee; use the library's own setting instead",
      );
    }
  }
}
