import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ReliableKafkaConsumers } from './consumer/reliable-kafka-consumers';
import { HandlerExplorer } from './discovery/handler.explorer';
import { DeadLetterReplayer } from './failure/dead-letter-replayer';
import { HandlerMetadataAccessor } from './discovery/handler-metadata.accessor';
import { DeliveryStats } from './observability/delivery-stats';
import { ReliableKafkaEvents } from './observability/reliable-kafka.events';
import { ReliableKafkaMetrics } from './observability/reliable-kafka.metrics';
import { FailureRecordSender } from './failure/failure-record-sender';
import { ConsumersReadModel } from './observability/consumers-read-model';
import { createClientFactory } from './kafka/create-client-factory';
import { type ResolvedOptions, resolveOptions } from './options/reliable-kafka.options-resolver';
import { KAFKA_CLIENT_FACTORY, RESOLVED_OPTIONS } from './reliable-kafka.constants';
import {
  ConfigurableModuleClass,
  RELIABLE_KAFKA_OPTIONS,
} from './reliable-kafka.module-definition';
import { OutboxRelay } from './producer/outbox/outbox-relay';
import { OutboxService } from './producer/outbox/outbox.service';
import { ReliableProducer } from './producer/reliable-producer';

/**
 * The options checked once, at bootstrap, for every provider that reads them: a bad setting fails
 * while the module is created, naming the setting.
 */
const resolvedOptions = {
  provide: RESOLVED_OPTIONS,
  useFactory: resolveOptions,
  inject: [RELIABLE_KAFKA_OPTIONS],
};

/**
 * The one place the Kafka client library is chosen: the adapter the `client` option names. The
 * consumers, the producers and the health indicator take their clients from it.
 */
const kafkaClientFactory = {
  provide: KAFKA_CLIENT_FACTORY,
  useFactory: (options: ResolvedOptions) => createClientFactory(options.client),
  inject: [RESOLVED_OPTIONS],
};

/**
 * What the module gives the app to inject (the read model and the client factory for the health
 * indicator).
 */
const PUBLIC_PROVIDERS = [
  resolvedOptions,
  kafkaClientFactory,
  ConsumersReadModel,
  ReliableKafkaEvents,
  DeliveryStats,
  ReliableKafkaConsumers,
  DeadLetterReplayer,
  ReliableKafkaMetrics,
  ReliableProducer,
  OutboxService,
  OutboxRelay,
];

/**
 * `ReliableKafkaModule.forRoot(options)` or `.forRootAsync({ imports, inject, useFactory })`.
 * Global: handlers in any module of the app are found, and the events and stats are injectable
 * anywhere.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [HandlerMetadataAccessor, HandlerExplorer, FailureRecordSender, ...PUBLIC_PROVIDERS],
  exports: PUBLIC_PROVIDERS,
})
export class ReliableKafkaModule extends ConfigurableModuleClass {}
