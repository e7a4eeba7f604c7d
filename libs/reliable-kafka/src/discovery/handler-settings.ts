import { DEFAULT_BATCH_TRANSACTION_RECORDS } from '../options/processing.options';
import { resolvePayloadDecoder } from '../decoding/payload-decoder';
import type { BatchHandlerSettings } from '../options/at-least-once-batch-handler.options';
import type { AtLeastOnceHandlerOptions } from '../options/at-least-once-handler.options';
import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import { retryTopicName } from '../failure/retry-topics';
import type { IdempotentOptions } from '../pipeline/idempotency-key';
import { DEFAULT_DEAD_LETTER_SUFFIX } from '../reliable-kafka.constants';
import {
  checkMaxRecords,
  type ResolvedOptions,
  resolveProcessing,
  resolveRetry,
} from '../options/reliable-kafka.options-resolver';
import type { HandlerDefinition } from './handler-definition';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** What the decorators put on one handler method. */
export interface HandlerMetadata {
  /** `ClassName.methodName`, for messages and the default id. */
  location: string;
  /** `@AtLeastOnceHandler` (or `@AtLeastOnceBatchHandler`) options. */
  own: AtLeastOnceHandlerOptions;
  /** Set only on `@AtLeastOnceBatchHandler` methods. */
  batch?: BatchHandlerSettings;
  idempotency?: IdempotentOptions;
}

/** A handler's settings: everything of its definition but the wrapped method. */
export type HandlerSettings = Omit<HandlerDefinition, 'invoke'>;

/**
 * The per-handler options over the module's `handlerDefaults` (the handler's own value wins, per
 * setting), every value checked: a bad one fails at bootstrap naming the handler and the setting.
 */
export function resolveHandlerSettings(
  { location, own, batch, idempotency }: HandlerMetadata,
  options: Pick<ResolvedOptions, 'consumer' | 'handlerDefaults'>,
): HandlerSettings {
  const topics = Array.isArray(own.topics) ? own.topics : [own.topics];
  if (topics.length === 0 || topics.some((t) => typeof t !== 'string' || !TOPIC_NAME.test(t))) {
    throw new ReliableKafkaConfigurationError(
      `@AtLeastOnceHandler on ${location}: topics`,
      `${JSON.stringify(own.topics)} is not a topic name or a list of them`,
    );
  }
  const defaults = options.handlerDefaults ?? {};
  const deadLetter = { ...defaults.deadLetter, ...own.deadLetter };
  const dlqTopic = deadLetter.topic;
  const retry = resolveRetry(
    own.retry,
    defaults.retry,
    `@AtLeastOnceHandler on ${location}: retry`,
  );
  const retryTopics = topics.flatMap((source) =>
    (retry.topics?.delaysMs ?? []).map((_, i) => ({
      topic: retryTopicName(source, i + 1),
      source,
    })),
  );
  return {
    id: own.id ?? location,
    groupId: own.groupId ?? options.consumer.groupId,
    topics,
    fromBeginning: own.fromBeginning ?? defaults.fromBeginning ?? true,
    retry,
    retryTopics,
    deadLetterTopic:
      typeof dlqTopic === 'function'
        ? dlqTopic
        : (source) => dlqTopic ?? `${source}${DEFAULT_DEAD_LETTER_SUFFIX}`,
    createDeadLetterTopic: deadLetter.createTopic ?? true,
    decode: resolvePayloadDecoder(own.decoder ?? defaults.decoder),
    processing: batch
      ? batchProcessing(batch, location)
      : resolveProcessing(
          own.processing ?? defaults.processing,
          `@AtLeastOnceHandler on ${location}: processing`,
        ),
    kind: batch ? 'batch' : 'record',
    idempotency: idempotency ?? {},
    location,
  };
}

/** A batch handler is called with runs of records: batch transactions are its only mode. */
function batchProcessing(
  batch: BatchHandlerSettings,
  location: string,
): HandlerSettings['processing'] {
  checkMaxRecords(batch.maxRecords, `@AtLeastOnceBatchHandler on ${location}: maxRecords`);
  return {
    mode: 'batch-transaction',
    maxRecords: batch.maxRecords ?? DEFAULT_BATCH_TRANSACTION_RECORDS,
  };
}
