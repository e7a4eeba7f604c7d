import type { ConfluentClientOptions } from '../confluent/confluent-client-options';
import type { KafkajsClientOptions } from '../kafkajs/kafkajs-client-options';

/**
 * The `client` option: the settings of one Kafka client library, told apart by `library`
 * (kafkajs when absent, so a kafkajs `KafkaConfig` is a valid value as it is).
 */
export type KafkaClientOptions = KafkajsClientOptions | ConfluentClientOptions;
