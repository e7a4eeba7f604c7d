import { Logger } from '@nestjs/common';
import { Kafka, type KafkaConfig, type LogEntry, logLevel } from 'kafkajs';
import { DEFAULT_CLIENT_ID } from '../../reliable-kafka.constants';
import type { AdminClient } from '../port/admin-client';
import type { ClientRole, KafkaClientFactory } from '../port/client-factory';
import type { ConsumerClient, ConsumerSettings } from '../port/consumer-client';
import type {
  ProducerClient,
  ProducerClientSettings,
  ProducerErrorKind,
} from '../port/producer-client';
import { kafkajsProducerErrorKind } from './kafkajs-errors';
import { KafkajsAdminClient } from './kafkajs-admin-client';
import type { KafkajsClientOptions } from './kafkajs-client-options';
import { KafkajsConsumerClient } from './kafkajs-consumer-client';
import { KafkajsProducerClient } from './kafkajs-producer-client';

/**
 * kafkajs warns about this whenever an idempotent producer has finite retries. Its concern: once
 * retries run out, a resend of the same records by the application gets new sequence numbers, so
 * the broker cannot drop it as a duplicate. The library bounds retries on purpose (by the delivery
 * timeout, as Kafka's `delivery.timeout.ms` does; unbounded retries would keep sending a record
 * after its caller was told it failed) and keeps the guarantee it promises, which is not the
 * broker's exactly-once: within the bound, retries reuse the producer and its sequence numbers
 * (no duplicate); after it, a resend carries the same `idempotency-key` header, which consumers
 * deduplicate. So the warning says nothing the user has to act on.
 */
const BOUNDED_IDEMPOTENT_RETRIES_WARNING =
  'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/** The one place that constructs kafkajs clients. Its log lines go to Nest's Logger. */
export function createKafkaClient(config: KafkaConfig): Kafka {
  const logger = new Logger('kafkajs');
  return new Kafka({
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        if (message === BOUNDED_IDEMPOTENT_RETRIES_WARNING) return;
        const line = `${message} ${JSON.stringify(extra)}`;
        if (level === logLevel.ERROR) logger.error(line);
        else if (level === logLevel.WARN) logger.warn(line);
        else logger.debug(line);
      },
    ...config,
  });
}

/**
 * The kafkajs clients of one module: the consumers, their admin and their dead-letter and
 * retry-topic writes share one `Kafka` (the configured client id); the application producer and
 * the health probe have their own, named after their role.
 */
export class KafkajsClientFactory implements KafkaClientFactory {
  readonly brokers: readonly string[] | undefined;
  private readonly clients = new Map<ClientRole, Kafka>();

  /** `library` is passed on too: kafkajs reads only the settings it knows. */
  constructor(private readonly config: KafkajsClientOptions) {
    this.brokers = Array.isArray(config.brokers) ? config.brokers : undefined;
  }

  createProducer(
    settings: ProducerClientSettings,
    role: Extract<ClientRole, 'consumers' | 'producer'>,
  ): ProducerClient {
    return new KafkajsProducerClient(this.kafka(role), settings);
  }

  createConsumer(groupId: string, settings: ConsumerSettings): ConsumerClient {
    return new KafkajsConsumerClient(this.kafka('consumers'), groupId, settings);
  }

  createAdmin(role: Extract<ClientRole, 'consumers' | 'health'>): AdminClient {
    return new KafkajsAdminClient(this.kafka(role).admin());
  }

  producerErrorKind(error: unknown): ProducerErrorKind | undefined {
    return kafkajsProducerErrorKind(error);
  }

  private kafka(role: ClientRole): Kafka {
    let kafka = this.clients.get(role);
    if (!kafka) {
      kafka = createKafkaClient(this.configFor(role));
      this.clients.set(role, kafka);
    }
    return kafka;
  }

  private configFor(role: ClientRole): KafkaConfig {
    const clientId = this.config.clientId ?? DEFAULT_CLIENT_ID;
    switch (role) {
      case 'consumers':
        return this.config;
      case 'producer':
        return { ...this.config, clientId: `${clientId}-producer` };
      case 'health':
        // One try, no log lines: the probe answers within its timeout and a broker down is
        // reported by the health check, not by kafkajs's retries and errors.
        return {
          ...this.config,
          clientId: `${clientId}-health`,
          retry: { retries: 0 },
          logLevel: logLevel.NOTHING,
        };
    }
  }
}
