import type { ProcessingOptions } from '../options/processing.options';
import type { PayloadDecoder } from '../decoding/payload-decoder';
import type { IdempotentOptions } from '../pipeline/idempotency-key';
import type { ReliableKafkaBatchContext } from '../pipeline/reliable-kafka-batch.context';
import type { ReliableKafkaContext } from '../pipeline/reliable-kafka.context';
import type { BackoffOptions, RetryOptions } from '../options/retry.options';
import type { RetryTopic } from '../failure/retry-topics';

/** A discovered handler with every setting resolved: what the consumers run. */
export interface HandlerDefinition {
  id: string;
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  retry: Required<Pick<RetryOptions, 'maxAttempts' | 'maxTotalMs'>> &
    RetryOptions & { backoff: BackoffOptions };
  deadLetterTopic: (sourceTopic: string) => string;
  /** `<topic>.retry.<n>` of each source topic, when non-blocking retries are on; consumed too. */
  retryTopics: RetryTopic[];
  createDeadLetterTopic: boolean;
  decode: PayloadDecoder;
  processing: ProcessingOptions;
  /**
   * `record`: called once per record with its payload. `batch` (`@AtLeastOnceBatchHandler`): called
   * with an array of payloads and a `ReliableKafkaBatchContext`; its processing is batch-transaction.
   */
  kind: 'record' | 'batch';
  idempotency: IdempotentOptions;
  /** The method wrapped with the app's guards, interceptors, pipes and ours. */
  invoke: (
    payload: unknown,
    context: ReliableKafkaContext | ReliableKafkaBatchContext,
  ) => Promise<unknown>;
  /** `ClassName.methodName`, for messages. */
  location: string;
}
