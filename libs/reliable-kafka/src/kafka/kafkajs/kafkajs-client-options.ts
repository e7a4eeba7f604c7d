import type { KafkaConfig } from 'kafkajs';

/** kafkajs's client settings (brokers, clientId, ssl, sasl, timeouts), passed through as they are. */
export interface KafkajsClientOptions extends KafkaConfig {
  library?: 'kafkajs';
}
