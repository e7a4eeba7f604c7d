import type { KafkaConfig } from 'kafkajs';
import type { KafkaClientOptions } from '@reliable-kafka/nestjs';
import { loadConfluentKafkaJS } from '../../libs/reliable-kafka/src/kafka/confluent/confluent-package';

/**
 * The Kafka client library the tests' apps and workers run on: `RK_TEST_CLIENT` (kafkajs or
 * confluent; kafkajs when unset), and with Confluent's client the group protocol of
 * `RK_TEST_GROUP_PROTOCOL` (classic or consumer; classic when unset). Child processes inherit
 * both, so a worker runs on the client of the suite that started it.
 */
export type TestClientLibrary = 'kafkajs' | 'confluent';
export type TestGroupProtocol = 'classic' | 'consumer';

export function testClientLibrary(): TestClientLibrary {
  const value = process.env.RK_TEST_CLIENT ?? 'kafkajs';
  if (value !== 'kafkajs' && value !== 'confluent') {
    throw new Error(`RK_TEST_CLIENT is "${value}": give kafkajs or confluent`);
  }
  return value;
}

export function testGroupProtocol(): TestGroupProtocol {
  const value = process.env.RK_TEST_GROUP_PROTOCOL ?? 'classic';
  if (value !== 'classic' && value !== 'consumer') {
    throw new Error(`RK_TEST_GROUP_PROTOCOL is "${value}": give classic or consumer`);
  }
  if (value === 'consumer' && testClientLibrary() !== 'confluent') {
    throw new Error('RK_TEST_GROUP_PROTOCOL=consumer needs RK_TEST_CLIENT=confluent');
  }
  return value;
}

/** A label for test names and logs: kafkajs, confluent, confluent/consumer. */
export function testClientLabel(): string {
  const library = testClientLibrary();
  return library === 'confluent' && testGroupProtocol() === 'consumer'
    ? 'confluent/consumer'
    : library;
}

/**
 * The `client` option of a test's module. `kafkajsOnly` are kafkajs settings (retries) that have
 * no Confluent equivalent the test relies on; they are left out on Confluent's client.
 */
export function testClientOptions(
  brokers: string[],
  clientId: string,
  kafkajsOnly: Partial<KafkaConfig> = {},
): KafkaClientOptions {
  if (testClientLibrary() === 'kafkajs') return { brokers, clientId, ...kafkajsOnly };
  return {
    library: 'confluent',
    brokers,
    clientId,
    consumer: { groupProtocol: testGroupProtocol() },
  };
}

/**
 * A member's session timeout and heartbeat interval, as the test wants them; the consumer group
 * protocol refuses both (the broker's `group.consumer.*` settings, set short by tools/kafka).
 */
export function groupTimings(timings: { sessionTimeout: number; heartbeatInterval: number }): {
  sessionTimeout?: number;
  heartbeatInterval?: number;
} {
  return testClientLibrary() === 'confluent' && testGroupProtocol() === 'consumer' ? {} : timings;
}

/**
 * Every run has suites on Confluent's client (an optional dependency, so `npm ci` may have left it
 * out): without it the run fails at once, saying how to install it, rather than suite by suite.
 * Returns the label of the run's client.
 */
export function requireConfluentClient(): string {
  try {
    loadConfluentKafkaJS();
  } catch (error) {
    throw new Error(
      `the integration and end-to-end tests need @confluentinc/kafka-javascript, which did not load ` +
        `(${(error as Error).message}). With internet, \`npm ci\` downloads it; offline, build it: ` +
        '`tools/confluent/install-build-deps.sh && CKJS_LINKING=dynamic npm ci` (docs/clients.md)',
    );
  }
  return testClientLabel();
}
