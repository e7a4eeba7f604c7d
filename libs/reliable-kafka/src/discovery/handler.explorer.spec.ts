import { Controller, Injectable, Scope, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { AtLeastOnceBatchHandler } from '../decorators/at-least-once-batch-handler.decorator';
import { AtLeastOnceHandler } from '../decorators/at-least-once-handler.decorator';
import { Idempotent } from '../decorators/idempotent.decorator';
import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import type { ReliableKafkaModuleOptions } from '../options/reliable-kafka.options';
import { resolveOptions } from '../options/reliable-kafka.options-resolver';
import { HandlerMetadataAccessor } from './handler-metadata.accessor';
import { HandlerExplorer } from './handler.explorer';

// Discovery in a Nest testing module, as an app's bootstrap runs it: no broker, no database.

const options: ReliableKafkaModuleOptions = {
  client: { brokers: ['127.0.0.1:9092'] },
  consumer: { groupId: 'orders' },
  handlerDefaults: { retry: { maxAttempts: 3, maxTotalMs: 10_000 }, fromBeginning: false },
};

@Injectable()
class OrderHandlers {
  @AtLeastOnceHandler({ topics: 'orders.created', retry: { maxAttempts: 7 } })
  @Idempotent({ header: 'order-id' })
  onCreated(@Ctx() ctx: string, @Payload() order: { id: string }) {
    return `created ${order.id} in ${ctx}`;
  }

  @AtLeastOnceBatchHandler({ topics: 'orders.paid', maxRecords: 50 })
  onPaid() {}

  /** Not a handler: left alone. */
  helper() {}
}

@Controller()
class OrdersController {
  @AtLeastOnceHandler('orders.created')
  onCreated() {}
}

@Injectable({ scope: Scope.REQUEST })
class RequestScopedHandlers {
  @AtLeastOnceHandler('orders.created')
  onCreated() {}
}

@Injectable()
class SameIdHandlers {
  @AtLeastOnceHandler({ topics: 'orders.cancelled', id: 'OrderHandlers.onCreated' })
  onCancelled() {}
}

async function explore(providers: Type[], controllers: Type[] = []) {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [HandlerMetadataAccessor, HandlerExplorer, ...providers],
    controllers,
  }).compile();
  try {
    return moduleRef.get(HandlerExplorer).explore(resolveOptions(options));
  } finally {
    await moduleRef.close();
  }
}

async function configurationError(run: Promise<unknown>): Promise<ReliableKafkaConfigurationError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReliableKafkaConfigurationError);
  return error as ReliableKafkaConfigurationError;
}

describe('HandlerExplorer', () => {
  it('finds the handler methods of providers, with their options merged over the defaults', async () => {
    const handlers = await explore([OrderHandlers]);
    expect(handlers.map((h) => h.id)).toEqual(['OrderHandlers.onCreated', 'OrderHandlers.onPaid']);
    const [onCreated, onPaid] = handlers;
    expect(onCreated).toMatchObject({
      groupId: 'orders',
      topics: ['orders.created'],
      fromBeginning: false,
      retry: { maxAttempts: 7, maxTotalMs: 10_000 },
      kind: 'record',
      processing: { mode: 'sequential' },
      idempotency: { header: 'order-id' },
    });
    expect(onPaid).toMatchObject({
      kind: 'batch',
      processing: { mode: 'batch-transaction', maxRecords: 50 },
      retry: { maxAttempts: 3 },
    });
  });

  it('wraps the method so that @Payload() and @Ctx() get the payload and the context', async () => {
    const [onCreated] = await explore([OrderHandlers]);
    // Our interceptors pass a context that is not a ReliableKafkaContext through untouched.
    const invoke = onCreated.invoke as unknown as (payload: unknown, ctx: unknown) => unknown;
    await expect(Promise.resolve(invoke({ id: 'o-1' }, 'ctx'))).resolves.toBe('created o-1 in ctx');
  });

  it('rejects a handler on a controller, saying to move it to a provider', async () => {
    const error = await configurationError(explore([], [OrdersController]));
    expect(error.setting).toBe('@AtLeastOnceHandler on OrdersController.onCreated');
    expect(error.message).toContain('is on a controller; move it to a provider');
  });

  it('rejects a handler in a request-scoped provider', async () => {
    const error = await configurationError(explore([RequestScopedHandlers]));
    expect(error.setting).toBe('@AtLeastOnceHandler on RequestScopedHandlers.onCreated');
    expect(error.message).toContain('the provider is request- or transient-scoped');
  });

  it('rejects two handlers with one id', async () => {
    const error = await configurationError(explore([OrderHandlers, SameIdHandlers]));
    expect(error.setting).toBe('@AtLeastOnceHandler id "OrderHandlers.onCreated"');
  });
});
