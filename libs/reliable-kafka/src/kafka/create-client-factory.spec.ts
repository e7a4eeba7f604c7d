import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import { createClientFactory } from './create-client-factory';
import { KafkajsClientFactory } from './kafkajs/kafkajs-client-factory';
import type { KafkaClientOptions } from './port/client-options';

describe('createClientFactory', () => {
  const brokers = ['127.0.0.1:9092'];

  it('gives the kafkajs adapter for a KafkaConfig without `library`, and for library kafkajs', () => {
    expect(createClientFactory({ brokers })).toBeInstanceOf(KafkajsClientFactory);
    expect(createClientFactory({ brokers, library: 'kafkajs' })).toBeInstanceOf(
      KafkajsClientFactory,
    );
  });

  it('fails naming client.library for a library it has no adapter for', () => {
    const options = { brokers, library: 'librdkafka' } as unknown as KafkaClientOptions;
    expect(() => createClientFactory(options)).toThrow(ReliableKafkaConfigurationError);
    expect(() => createClientFactory(options)).toThrow(/client\.library.*"librdkafka"/);
  });
});
