import type { EntityManager } from 'typeorm';
import { FailureRecordSender } from '../failure/failure-record-sender';
import { TransactionBoundContext } from '../pipeline/transaction-bound.context';
import { ConsumersNotStartedError, NoOpenTransactionError } from './lifecycle.errors';
import { ReliableKafkaError } from './reliable-kafka.error';

class HandlerContext extends TransactionBoundContext {
  readonly handlerId = 'Orders.onCreated';
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('lifecycle errors', () => {
  it('ctx.entityManager outside the handler call: NoOpenTransactionError, RK_NO_OPEN_TRANSACTION', () => {
    const ctx = new HandlerContext();
    const manager = {} as EntityManager;
    ctx.bindEntityManager(manager);
    expect(ctx.entityManager).toBe(manager);
    ctx.bindEntityManager(undefined); // the handler returned

    const error = thrownBy(() => ctx.entityManager);
    expect(error).toBeInstanceOf(NoOpenTransactionError);
    expect(error).toBeInstanceOf(ReliableKafkaError);
    expect(error).toMatchObject({
      code: 'RK_NO_OPEN_TRANSACTION',
      handlerId: 'Orders.onCreated',
      name: 'NoOpenTransactionError',
    });
  });

  it('a replay before the consumers started: ConsumersNotStartedError, RK_CONSUMERS_NOT_STARTED', async () => {
    const sender = new FailureRecordSender({} as never, {} as never);
    const error = await sender.send('orders', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsumersNotStartedError);
    expect(error).toMatchObject({
      code: 'RK_CONSUMERS_NOT_STARTED',
      name: 'ConsumersNotStartedError',
    });
  });
});
