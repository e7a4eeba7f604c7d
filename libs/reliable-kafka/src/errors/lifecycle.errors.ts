import { ReliableKafkaError } from './reliable-kafka.error';

/**
 * `ctx.entityManager` was read outside the handler call it belongs to (after the handler returned,
 * or from code it left running): that transaction is committed or rolled back, so a write through
 * it would not be part of the record's effect.
 */
export class NoOpenTransactionError extends ReliableKafkaError {
  readonly code = 'RK_NO_OPEN_TRANSACTION';

  constructor(readonly handlerId: string) {
    super(
      `No transaction is open for handler ${handlerId}: the EntityManager exists only while the handler runs`,
    );
  }
}

/**
 * A write that goes through the consumers' reliable sender (a dead-letter replay) was asked for
 * before the consumers started (`autoStart: false` and no `start()` yet) or after they stopped.
 */
export class ConsumersNotStartedError extends ReliableKafkaError {
  readonly code = 'RK_CONSUMERS_NOT_STARTED';

  constructor() {
    super('ReliableKafka consumers are not started: nothing can be sent yet');
  }
}
