import type { AdminClient } from './admin-client';
import type { ConsumerClient, ConsumerSettings } from './consumer-client';
import type { ProducerClient, ProducerClientSettings, ProducerErrorKind } from './producer-client';

/**
 * Which part of the library a client serves. An adapter names its client after it (kafkajs:
 * `<clientId>`, `<clientId>-producer`, `<clientId>-health`); a `health` client answers at once,
 * without retries or log lines, since a probe must not hang or flood the log.
 */
export type ClientRole = 'consumers' | 'producer' | 'health';

/** Makes the clients of one Kafka client library, from the `client` option. */
export interface KafkaClientFactory {
  /** The bootstrap addresses as configured, for error messages; undefined when computed later. */
  readonly brokers: readonly string[] | undefined;
  /** `consumers`: the dead-letter and retry-topic writes; `producer`: the application's records. */
  createProducer(
    settings: ProducerClientSettings,
    role: Extract<ClientRole, 'consumers' | 'producer'>,
  ): ProducerClient;
  createConsumer(groupId: string, settings: ConsumerSettings): ConsumerClient;
  /** `consumers`: the topic preparation; `health`: the health indicator's probe. */
  createAdmin(role: Extract<ClientRole, 'consumers' | 'health'>): AdminClient;
  /** What a failure of one of this library's producers means (their errors differ per client). */
  producerErrorKind(error: unknown): ProducerErrorKind | undefined;
}
