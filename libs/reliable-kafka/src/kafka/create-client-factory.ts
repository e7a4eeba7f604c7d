import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import { ConfluentClientFactory } from './confluent/confluent-client-factory';
import { KafkajsClientFactory } from './kafkajs/kafkajs-client-factory';
import type { KafkaClientFactory } from './port/client-factory';
import type { KafkaClientOptions } from './port/client-options';
import type { ConfluentClientOptions } from './confluent/confluent-client-options';
import type { KafkajsClientOptions } from './kafkajs/kafkajs-client-options';

/** The adapter the `client` option names (`library`; kafkajs when absent). */
export function createClientFactory(options: KafkaClientOptions): KafkaClientFactory {
  const library = options.library ?? 'kafkajs';
  switch (library) {
    case 'kafkajs':
      return new KafkajsClientFactory(options as KafkajsClientOptions);
    case 'confluent':
      return new ConfluentClientFactory(options as ConfluentClientOptions);
    default:
      throw new ReliableKafkaConfigurationError(
        'client.library',
        `"${String(library)}" is not a supported client library: 'kafkajs' or 'confluent'`,
      );
  }
}
