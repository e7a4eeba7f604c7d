import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { from, type Observable, of, switchMap } from 'rxjs';
import { ReliableKafkaContext } from './reliable-kafka.context';

/**
 * Inserts the dedup record before the handler runs, in the handler's transaction. The unique key
 * decides: a conflict means this key was already processed, so the handler is not called. There is
 * no check-then-act window: two consumers racing on one key are serialised by the index.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const kafka = context.switchToRpc().getContext();
    if (!(kafka instanceof ReliableKafkaContext)) return next.handle();
    const { dedup, record } = kafka.transaction;
    return from(dedup.tryInsert(kafka.entityManager, { ...record, processedAt: Date.now() })).pipe(
      switchMap((inserted) => {
        if (!inserted) {
          kafka.outcome = 'duplicate';
          return of(undefined);
        }
        kafka.outcome = 'processed';
        return next.handle();
      }),
    );
  }
}
