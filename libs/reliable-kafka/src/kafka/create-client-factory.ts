import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import { KafkajsClientFactory } from './kafkajs/kafkajs-client-factory';
import type { KafkaClientFactory } from './port/client-factory';
import type { KafkaClientOptions } from './port/client-options';

/** The adapter the `client` option names (`library`; kafkajs when absent). */
export function createClientFactory(options: KafkaClientOptions): KafkaClientFactory {
  const library = options.library ?? 'kafkajs';
  switch (library) {
    case 'kafkajs':
      return new KafkajsClientFactory(options);
    default:
      throw new ReliableKafkaConfigurationError(
        'client.library',
        `"${String(library)}" is not a supported client library: 'kafkajs'`,
      );
  }
}
