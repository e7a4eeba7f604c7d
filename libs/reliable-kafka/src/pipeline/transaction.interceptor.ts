import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { ReliableKafkaBatchContext } from './reliable-kafka-batch.context';
import { ReliableKafkaContext } from './reliable-kafka.context';

/**
 * Opens the handler's database transaction. Everything after it in the chain (the dedup insert,
 * pipes, the handler) runs inside; a throw anywhere rolls all of it back. A batch handler's call
 * is one transaction for all its records.
 */
@Injectable()
export class TransactionInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const kafka = context.switchToRpc().getContext();
    if (!(kafka instanceof ReliableKafkaContext || kafka instanceof ReliableKafkaBatchContext))
      return next.handle();
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
