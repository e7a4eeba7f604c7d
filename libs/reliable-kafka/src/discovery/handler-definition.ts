import type { ProcessingOptions } from '../consumer/processing.options';
import type { PayloadDecoder } from '../decoding/payload-decoder';
import type { IdempotentOptions } from '../pipeline/idempotency-key';
import type { ReliableKafkaContext } from '../pipeline/reliable-kafka.context';
import type { BackoffOptions, RetryOptions } from '../failure/retry.options';

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
  retryTopics: { topic: string; source: string }[];
  createDeadLetterTopic: boolean;
  decode: PayloadDecoder;
  processing: ProcessingOptions;
  idempotency: IdempotentOptions;
  /** The method wrapped with the app's guards, interceptors, pipes and ours. */
  invoke: (payload: unknown, context: ReliableKafkaContext) => Promise<unknown>;
  /** `ClassName.methodName`, for messages. */
  location: string;
}
