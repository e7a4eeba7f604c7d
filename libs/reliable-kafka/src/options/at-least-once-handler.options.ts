import type { ProcessingOptions } from './processing.options';
import type { PayloadDecoderOption } from '../decoding/payload-decoder';
import type { DeadLetterOptions } from './dead-letter.options';
import type { RetryOptions } from './retry.options';

export interface AtLeastOnceHandlerOptions {
  /** Topic or topics this handler consumes. */
  topics: string | string[];
  /** Handler id stored in dedup records. Default `ClassName.methodName`; keep it stable. */
  id?: string;
  /** Consumer group of this handler. Default: the module's `consumer.groupId`. */
  groupId?: string;
  /** Start from the earliest offset when the group has none. Default true. */
  fromBeginning?: boolean;
  retry?: RetryOptions;
  deadLetter?: DeadLetterOptions;
  decoder?: PayloadDecoderOption;
  /** Sequential (default), batch transactions, or key-level concurrency. */
  processing?: ProcessingOptions;
}
