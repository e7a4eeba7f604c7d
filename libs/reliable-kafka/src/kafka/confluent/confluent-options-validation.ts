import { ReliableKafkaConfigurationError } from '../../errors/configuration.error';
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

/**
 * Checks the Confluent settings against each other and against the consumer options, at
 * bootstrap: a kafkajs-only setting, a reserved librdkafka property, or a group protocol that
 * does not take a setting given fails, naming it.
 */
export function validateConfluentOptions(
  client: ConfluentClientOptions,
  consumer: { sessionTimeout?: number; heartbeatInterval?: number } | undefined,
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
  if (client.sasl !== undefined && !SASL_MECHANISMS.includes(client.sasl?.mechanism)) {
    fail(
      'client.sasl.mechanism',
      `"${String(client.sasl?.mechanism)}" is not one of ${SASL_MECHANISMS.join(', ')}`,
    );
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
