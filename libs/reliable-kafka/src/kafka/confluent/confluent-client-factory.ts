import { Logger } from '@nestjs/common';
import { DEFAULT_CLIENT_ID } from '../../reliable-kafka.constants';
import type { AdminClient } from '../port/admin-client';
import type { ClientRole, KafkaClientFactory } from '../port/client-factory';
import type { ConsumerClient, ConsumerSettings } from '../port/consumer-client';
import type {
  ProducerClient,
  ProducerClientSettings,
  ProducerErrorKind,
} from '../port/producer-client';
import { confluentProducerErrorKind } from './confluent-errors';
import { ConfluentAdminClient } from './confluent-admin-client';
import {
  type ConfluentConfig,
  type ConfluentKafka,
  type ConfluentKafkaJS,
  type ConfluentLogger,
  ConfluentLogLevel,
} from './confluent-api';
import type { ConfluentClientOptions } from './confluent-client-options';
import { ConfluentConsumerClient } from './confluent-consumer-client';
import { loadConfluentKafkaJS } from './confluent-package';
import { ConfluentProducerClient } from './confluent-producer-client';

/**
 * The one place that constructs Confluent clients. Their log lines, librdkafka's among them, go
 * to Nest's Logger; warnings and errors only unless the config asks for another level.
 */
export function createConfluentClient(
  config: ConfluentConfig,
  kafkaJS: ConfluentKafkaJS = loadConfluentKafkaJS(),
): ConfluentKafka {
  return new kafkaJS.Kafka({
    ...config,
    kafkaJS: { logLevel: ConfluentLogLevel.WARN, logger: nestLogger(), ...config.kafkaJS },
  });
}

function nestLogger(): ConfluentLogger {
  const logger = new Logger('confluent-kafka-javascript');
  let level: ConfluentLogLevel = ConfluentLogLevel.WARN;
  const line = (message: string, extra?: object) =>
    extra === undefined ? message : `${message} ${JSON.stringify(extra)}`;
  const bridge: ConfluentLogger = {
    error: (message, extra) => {
      if (level >= ConfluentLogLevel.ERROR) logger.error(line(message, extra));
    },
    warn: (message, extra) => {
      if (level >= ConfluentLogLevel.WARN) logger.warn(line(message, extra));
    },
    info: (message, extra) => {
      if (level >= ConfluentLogLevel.INFO) logger.log(line(message, extra));
    },
    debug: (message, extra) => {
      if (level >= ConfluentLogLevel.DEBUG) logger.debug(line(message, extra));
    },
    namespace: () => bridge,
    setLogLevel: (next) => {
      level = next;
    },
  };
  return bridge;
}

/** How long the health probe's request waits for a broker; the probe has its own deadline too. */
const HEALTH_REQUEST_TIMEOUT_MS = 3_000;

/** An admin request's bound, when `requestTimeout` does not set one. */
const ADMIN_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The Confluent clients of one module, each named after its role as the kafkajs adapter names
 * them. The package is loaded here, at bootstrap: choosing the client without it installed fails
 * before anything starts, naming the package and its install command.
 */
export class ConfluentClientFactory implements KafkaClientFactory {
  readonly brokers: readonly string[];
  private readonly kafkaJS: ConfluentKafkaJS;
  private readonly clients = new Map<ClientRole, ConfluentKafka>();

  constructor(
    private readonly options: ConfluentClientOptions,
    kafkaJS?: ConfluentKafkaJS,
  ) {
    this.brokers = options.brokers;
    this.kafkaJS = kafkaJS ?? loadConfluentKafkaJS();
  }

  createProducer(
    settings: ProducerClientSettings,
    role: Extract<ClientRole, 'consumers' | 'producer'>,
  ): ProducerClient {
    return new ConfluentProducerClient(this.kafka(role), settings);
  }

  createConsumer(groupId: string, settings: ConsumerSettings): ConsumerClient {
    return new ConfluentConsumerClient(
      this.kafka('consumers'),
      groupId,
      settings,
      this.options.consumer,
    );
  }

  createAdmin(role: Extract<ClientRole, 'consumers' | 'health'>): AdminClient {
    const timeoutMs =
      role === 'health'
        ? HEALTH_REQUEST_TIMEOUT_MS
        : (this.options.requestTimeout ?? ADMIN_REQUEST_TIMEOUT_MS);
    return new ConfluentAdminClient(this.kafka(role).admin(), timeoutMs);
  }

  producerErrorKind(error: unknown): ProducerErrorKind | undefined {
    return confluentProducerErrorKind(error);
  }

  private kafka(role: ClientRole): ConfluentKafka {
    let kafka = this.clients.get(role);
    if (!kafka) {
      kafka = createConfluentClient(this.configFor(role), this.kafkaJS);
      this.clients.set(role, kafka);
    }
    return kafka;
  }

  private configFor(role: ClientRole): ConfluentConfig {
    const { brokers, ssl, sasl, connectionTimeout, requestTimeout, librdkafka } = this.options;
    const clientId = this.options.clientId ?? DEFAULT_CLIENT_ID;
    return {
      kafkaJS: {
        brokers: [...brokers],
        clientId: role === 'consumers' ? clientId : `${clientId}-${role}`,
        ...(ssl !== undefined && { ssl }),
        ...(sasl !== undefined && { sasl }),
        ...(connectionTimeout !== undefined && { connectionTimeout }),
        ...(requestTimeout !== undefined && { requestTimeout }),
        // The probe's failure is the health check's answer, not a log line per attempt.
        ...(role === 'health' && { logLevel: ConfluentLogLevel.NOTHING }),
      },
      ...librdkafka,
    };
  }
}
