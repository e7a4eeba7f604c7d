import { applyDecorators, SetMetadata } from '@nestjs/common';
import { BATCH_HANDLER_METADATA } from '../reliable-kafka.constants';
import { AtLeastOnceHandler } from './at-least-once-handler.decorator';
import type { AtLeastOnceBatchHandlerOptions } from '../options/at-least-once-batch-handler.options';

/**
 * Marks a provider method as an at-least-once batch handler: it is called with the payloads of a
 * run of records of one partition (`@Payload() items: T[]`, `@Ctx() batch: ReliableKafkaBatchContext`)
 * in one transaction that first inserts their dedup records, so it can apply them with set-based
 * SQL. Only records whose key is new are passed. If the call fails, the run is rolled back and redone
 * one record per transaction (a one-element array), with the usual retries and dead-letter.
 */
export function AtLeastOnceBatchHandler(
  topicsOrOptions: string | string[] | AtLeastOnceBatchHandlerOptions,
): MethodDecorator {
  const { maxRecords, ...options }: AtLeastOnceBatchHandlerOptions =
    typeof topicsOrOptions === 'string' || Array.isArray(topicsOrOptions)
      ? { topics: topicsOrOptions }
      : topicsOrOptions;
  return applyDecorators(
    AtLeastOnceHandler(options),
    SetMetadata(BATCH_HANDLER_METADATA, { maxRecords }),
  );
}
