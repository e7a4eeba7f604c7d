import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ReliableKafkaConsumers } from './consumer/reliable-kafka-consumers';
import { HandlerExplorer } from './discovery/handler.explorer';
import { DeadLetterReplayer } from './failure/dead-letter-replayer';
import { HandlerMetadataAccessor } from './discovery/handler-metadata.accessor';
import { DeliveryStats } from './observability/delivery-stats';
import { ReliableKafkaEvents } from './observability/reliable-kafka.events';
import { ReliableKafkaMetrics } from './observability/reliable-kafka.metrics';
import { ConfigurableModuleClass } from './reliable-kafka.module-definition';
import { OutboxRelay } from './producer/outbox/outbox-relay';
import { OutboxService } from './producer/outbox/outbox.service';
import { ReliableProducer } from './producer/reliable-producer';

/** What the module gives the app to inject. */
const PUBLIC_PROVIDERS = [
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
  providers: [HandlerMetadataAccessor, HandlerExplorer, ...PUBLIC_PROVIDERS],
  exports: PUBLIC_PROVIDERS,
})
export class ReliableKafkaModule extends ConfigurableModuleClass {}
