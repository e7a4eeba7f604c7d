export { ReliableKafkaModule } from './reliable-kafka.module';
export { RELIABLE_KAFKA_OPTIONS } from './reliable-kafka.module-definition';
export type {
  CommitStrategy,
  DedupOptions,
  HandlerDefaults,
  ReliableKafkaConsumerOptions,
  ReliableKafkaModuleOptions,
  TopicOptions,
} from './options/reliable-kafka.options';
export type { KafkaClientOptions } from './kafka/port/client-options';
export type { KafkajsClientOptions } from './kafka/kafkajs/kafkajs-client-options';
export type {
  ConfluentClientOptions,
  ConfluentConsumerOptions,
} from './kafka/confluent/confluent-client-options';

export { AtLeastOnceHandler } from './decorators/at-least-once-handler.decorator';
export type { AtLeastOnceHandlerOptions } from './options/at-least-once-handler.options';
export { AtLeastOnceBatchHandler } from './decorators/at-least-once-batch-handler.decorator';
export type {
  AtLeastOnceBatchHandlerOptions,
  BatchHandlerSettings,
} from './options/at-least-once-batch-handler.options';
export { Idempotent } from './decorators/idempotent.decorator';
export { TransactionManager } from './decorators/transaction-manager.decorator';
/** Same decorators as the Nest Kafka transport, so handler signatures move over unchanged. */
export { Ctx, Payload } from '@nestjs/microservices';

export { ReliableKafkaContext } from './pipeline/reliable-kafka.context';
export { ReliableKafkaBatchContext } from './pipeline/reliable-kafka-batch.context';
export type { ReliableKafkaBatchRecord } from './pipeline/reliable-kafka-batch.context';
export type {
  IdempotencyKeyFn,
  IdempotencyKeySource,
  IdempotentOptions,
} from './pipeline/idempotency-key';
export { TransactionInterceptor } from './pipeline/transaction.interceptor';
export { IdempotencyInterceptor } from './pipeline/idempotency.interceptor';
export type { KafkaMessageRecord } from './kafka/kafka-message-record';
export type { ProcessingOptions } from './options/processing.options';
export { ReliableKafkaConsumers } from './consumer/reliable-kafka-consumers';
export type {
  ConsumersStatus,
  GroupStatus,
  PartitionStatus,
} from './observability/consumer-status';

export type { PayloadDecoder, PayloadDecoderOption } from './decoding/payload-decoder';
export type { RetentionWindow } from './dedup/retention-window';
export {
  createDedupTableMigration,
  CreateReliableKafkaDedupTable1764300000000,
} from './dedup/dedup-table.migration';

export type { BackoffOptions, ErrorClass, ErrorKind, RetryOptions } from './options/retry.options';
export type { DeadLetterOptions } from './options/dead-letter.options';
export { DeadLetterHeaders } from './failure/dead-letter.headers';
export { DeadLetterHandler } from './decorators/dead-letter-handler.decorator';
export type { DeadLetterHandlerOptions } from './decorators/dead-letter-handler.decorator';
export { readDeadLetterInfo } from './failure/dead-letter-info';
export type { DeadLetterInfo } from './failure/dead-letter-info';
export { DeadLetterReplayer } from './failure/dead-letter-replayer';
export { RetryTopicHeaders } from './failure/retry-topics';

export { ReliableKafkaEvents } from './observability/reliable-kafka.events';
export type { DeliveryEvent, ReliableKafkaEventMap } from './observability/reliable-kafka.events';
export { DeliveryStats } from './observability/delivery-stats';
export type { HandlerStats } from './observability/delivery-stats';

export { ReliableKafkaError } from './errors/reliable-kafka.error';
export {
  BrokerUnreachableError,
  ReliableKafkaConfigurationError,
} from './errors/configuration.error';
export { DedupKeyCollationError } from './errors/dedup-key-collation.error';
export type { LooseKeyColumn } from './errors/dedup-key-collation.error';
export { MissingPeerDependencyError } from './errors/missing-peer-dependency.error';
export { DeliveryTimeoutError } from './producer/errors/delivery-timeout.error';
export { UnknownTopicError } from './producer/errors/unknown-topic.error';
export { UnknownPartitionError } from './producer/errors/unknown-partition.error';
export type { UnknownPartitionReason } from './producer/errors/unknown-partition.error';
export { ConsumersNotStartedError, NoOpenTransactionError } from './errors/lifecycle.errors';
export {
  IdempotencyKeyFunctionError,
  MalformedRecordError,
  MalformedRecordOriginError,
  MissingIdempotencyKeyError,
  NonRetriableError,
  PayloadDecodeError,
} from './errors/non-retriable.error';
export { RetriableError } from './errors/retriable.error';

// Observability: Prometheus metrics, OpenTelemetry tracing, terminus health indicator.
export { ReliableKafkaMetrics } from './observability/reliable-kafka.metrics';
export type { MetricsOptions } from './options/metrics.options';
export {
  TracingInterceptor,
  RELIABLE_KAFKA_TRACER,
  ReliableKafkaSpanAttributes,
} from './observability/tracing.interceptor';
export type { ReliableKafkaHealthOptions } from './observability/health.options';
// ReliableKafkaHealthIndicator imports @nestjs/terminus, so it has its own entry point and the core
// never loads terminus: import { ReliableKafkaHealthIndicator } from '@reliable-kafka/nestjs/health'.

// Producer and transactional outbox.
export { ReliableProducer } from './producer/reliable-producer';
export type {
  ProducerFailureCallback,
  ProducerMessage,
  ProducerOptions,
  RecordMetadata,
} from './options/producer.options';
export type { OutboxOptions } from './options/outbox.options';
export { OutboxService } from './producer/outbox/outbox.service';
export type { OutboxEntry } from './producer/outbox/outbox.service';
export { OutboxRelay } from './producer/outbox/outbox-relay';
export {
  createOutboxTableMigration,
  CreateReliableKafkaOutboxTable1764400000000,
} from './producer/outbox/outbox-table.migration';
export { uuidv7 } from './producer/uuid-v7';
export {
  ProducerClosedError,
  ProducerFatalError,
  RecordTooLargeError,
  SerializationError,
} from './producer/errors/producer.errors';
