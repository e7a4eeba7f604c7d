import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { from, type Observable, of, switchMap } from 'rxjs';
import { ReliableKafkaBatchContext } from './reliable-kafka-batch.context';
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
    if (kafka instanceof ReliableKafkaBatchContext) return this.interceptBatch(kafka, next);
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

  /**
   * One multi-row insert for the whole batch; the handler gets only the records whose row is new
   * (the first of a key repeated within the batch), and is not called when there are none.
   */
  private interceptBatch(batch: ReliableKafkaBatchContext, next: CallHandler): Observable<unknown> {
    const run = {
      handlerId: batch.handlerId,
      topic: batch.topic,
      partition: batch.partition,
      processedAt: Date.now(),
      entries: batch.delivered,
    };
    return from(batch.transaction.dedup.tryInsertMany(batch.entityManager, run)).pipe(
      switchMap((inserted) => {
        // Set.delete: true for the first record of a key only; a repeat within the batch is a duplicate.
        batch.narrow((record) => inserted.delete(record.idempotencyKey));
        return batch.records.length === 0 ? of(undefined) : next.handle();
      }),
    );
  }
}
