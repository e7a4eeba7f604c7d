import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { ReliableKafkaContext } from './reliable-kafka.context';

/**
 * Opens the handler's database transaction. Everything after it in the chain (the dedup insert,
 * pipes, the handler) runs inside; a throw anywhere rolls all of it back.
 */
@Injectable()
export class TransactionInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const kafka = context.switchToRpc().getContext();
    if (!(kafka instanceof ReliableKafkaContext)) return next.handle();
    return from(
      kafka.transaction.runner.run(async (manager) => {
        kafka.bindEntityManager(manager);
        try {
          return await lastValueFrom(next.handle(), { defaultValue: undefined });
        } finally {
          kafka.bindEntityManager(undefined);
        }
      }),
    );
  }
}
