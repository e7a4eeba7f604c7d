import { ReliableKafkaConfigurationError } from '../../errors/configuration.error';
import type { ConfluentClientOptions } from './confluent-client-options';
import { type ConsumerTimings, validateConfluentOptions } from './confluent-options-validation';

const base: ConfluentClientOptions = { library: 'confluent', brokers: ['127.0.0.1:9092'] };

/** The setting the validation names, or undefined when it accepts the options. */
function refusedSetting(
  client: Record<string, unknown>,
  consumer?: ConsumerTimings,
): string | undefined {
  try {
    validateConfluentOptions({ ...base, ...client } as ConfluentClientOptions, consumer);
    return undefined;
  } catch (error) {
    if (!(error instanceof ReliableKafkaConfigurationError)) throw error;
    return error.setting;
  }
}

describe('validateConfluentOptions', () => {
  it('accepts the settings of the Confluent client', () => {
    expect(
      refusedSetting(
        {
          clientId: 'orders',
          ssl: true,
          sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
          connectionTimeout: 3000,
          requestTimeout: 30000,
          consumer: { groupProtocol: 'consumer', groupInstanceId: 'orders-0' },
          librdkafka: { 'ssl.ca.location': '/etc/ca.pem', 'queued.max.messages.kbytes': 16384 },
        },
        { rebalanceTimeout: 60000 },
      ),
    ).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, ConsumerTimings | undefined, string]>([
    ['a kafkajs-only setting', { retry: { retries: 5 } }, undefined, 'client.retry'],
    ['brokers as a function', { brokers: () => ['a:1'] }, undefined, 'client.brokers'],
    ['TLS options instead of a boolean', { ssl: { ca: ['pem'] } }, undefined, 'client.ssl'],
    [
      'an unknown SASL mechanism',
      { sasl: { mechanism: 'oauthbearer', username: 'u', password: 'p' } },
      undefined,
      'client.sasl.mechanism',
    ],
    [
      'a SASL password that is not a string',
      { sasl: { mechanism: 'plain', username: 'u', password: 42 } },
      undefined,
      'client.sasl.password',
    ],
    [
      'a misspelt consumer setting',
      { consumer: { groupProtocl: 'consumer' } },
      undefined,
      'client.consumer.groupProtocl',
    ],
    [
      'an unknown group protocol',
      { consumer: { groupProtocol: 'cooperative' } },
      undefined,
      'client.consumer.groupProtocol',
    ],
    [
      'a session timeout under the consumer protocol',
      { consumer: { groupProtocol: 'consumer' } },
      { sessionTimeout: 10000 },
      'consumer.sessionTimeout',
    ],
    [
      'a heartbeat interval under the consumer protocol',
      { consumer: { groupProtocol: 'consumer' } },
      { heartbeatInterval: 1000 },
      'consumer.heartbeatInterval',
    ],
    [
      'a rebalance timeout under half the session timeout (classic)',
      {},
      { sessionTimeout: 30000, rebalanceTimeout: 10000 },
      'consumer.rebalanceTimeout',
    ],
    [
      'an empty static member id',
      { consumer: { groupInstanceId: '' } },
      undefined,
      'client.consumer.groupInstanceId',
    ],
    [
      'a librdkafka property the guarantee rests on',
      { librdkafka: { 'enable.auto.commit': true } },
      undefined,
      'client.librdkafka.enable.auto.commit',
    ],
    [
      'reading uncommitted transactions',
      { librdkafka: { 'isolation.level': 'read_uncommitted' } },
      undefined,
      'client.librdkafka.isolation.level',
    ],
    [
      'a librdkafka property that would override a library setting',
      { librdkafka: { 'session.timeout.ms': 6000 } },
      undefined,
      'client.librdkafka.session.timeout.ms',
    ],
  ])('refuses %s, naming the setting', (_, client, consumer, setting) => {
    expect(refusedSetting(client, consumer)).toBe(setting);
  });

  it('accepts a short rebalance timeout under the consumer protocol, which has no session timeout of its own', () => {
    expect(
      refusedSetting({ consumer: { groupProtocol: 'consumer' } }, { rebalanceTimeout: 5000 }),
    ).toBeUndefined();
  });
});
