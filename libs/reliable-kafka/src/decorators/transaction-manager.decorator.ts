import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ReliableKafkaContext } from '../pipeline/reliable-kafka.context';

/** Injects the handler transaction's TypeORM `EntityManager`. */
export const TransactionManager = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    context.switchToRpc().getContext<ReliableKafkaContext>().entityManager,
);
