import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AtLeastOnceHandlerOptions } from '../options/at-least-once-handler.options';
import type { BatchHandlerSettings } from '../options/at-least-once-batch-handler.options';
import type { IdempotentOptions } from '../pipeline/idempotency-key';
import {
  AT_LEAST_ONCE_HANDLER_METADATA,
  BATCH_HANDLER_METADATA,
  IDEMPOTENT_METADATA,
} from '../reliable-kafka.constants';

/** The only place that reads the library's decorator metadata. */
@Injectable()
export class HandlerMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  handlerOptions(method: Function): AtLeastOnceHandlerOptions | undefined {
    return this.reflector.get(AT_LEAST_ONCE_HANDLER_METADATA, method);
  }

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  idempotentOptions(method: Function): IdempotentOptions | undefined {
    return this.reflector.get(IDEMPOTENT_METADATA, method);
  }

  /** Set only on `@AtLeastOnceBatchHandler` methods. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  batchSettings(method: Function): BatchHandlerSettings | undefined {
    return this.reflector.get(BATCH_HANDLER_METADATA, method);
  }
}
