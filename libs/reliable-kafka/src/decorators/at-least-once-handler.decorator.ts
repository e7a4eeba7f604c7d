import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { AT_LEAST_ONCE_HANDLER_METADATA } from '../reliable-kafka.constants';
import { IdempotencyInterceptor } from '../pipeline/idempotency.interceptor';
import { TransactionInterceptor } from '../pipeline/transaction.interceptor';
import { TracingInterceptor } from '../observability/tracing.interceptor';
import type { AtLeastOnceHandlerOptions } from '../options/at-least-once-handler.options';

/**
 * Marks a provider method as an at-least-once Kafka handler. The method runs inside a database
 * transaction that first inserts the dedup record; the offset is committed after that transaction.
 *
 * The tracing (outermost), transaction and dedup steps are attached as method interceptors, so the app's own guards,
 * interceptors and pipes compose with them as they do on controllers.
 */
export function AtLeastOnceHandler(
  topicsOrOptions: string | string[] | AtLeastOnceHandlerOptions,
): MethodDecorator {
  const options: AtLeastOnceHandlerOptions =
    typeof topicsOrOptions === 'string' || Array.isArray(topicsOrOptions)
      ? { topics: topicsOrOptions }
      : topicsOrOptions;
  return applyDecorators(
    SetMetadata(AT_LEAST_ONCE_HANDLER_METADATA, options),
    UseInterceptors(TracingInterceptor, TransactionInterceptor, IdempotencyInterceptor),
  );
}
