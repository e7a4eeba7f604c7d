import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import { DEFAULT_BACKOFF } from '../options/retry.options';
import type { ResolvedOptions } from '../options/reliable-kafka.options-resolver';
import { type HandlerMetadata, resolveHandlerSettings } from './handler-settings';

const moduleOptions: Pick<ResolvedOptions, 'consumer' | 'handlerDefaults'> = {
  consumer: { groupId: 'orders' },
};

function resolve(
  metadata: Partial<HandlerMetadata>,
  options: Pick<ResolvedOptions, 'consumer' | 'handlerDefaults'> = moduleOptions,
) {
  return resolveHandlerSettings(
    { location: 'Orders.onCreated', own: { topics: 'orders.created' }, ...metadata },
    options,
  );
}

function settingError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ReliableKafkaConfigurationError) return error.setting;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('resolveHandlerSettings', () => {
  it('applies the defaults to a bare handler', () => {
    const settings = resolve({});
    expect(settings).toMatchObject({
      id: 'Orders.onCreated',
      groupId: 'orders',
      topics: ['orders.created'],
      fromBeginning: true,
      retry: { maxAttempts: 5, maxTotalMs: 60_000, backoff: DEFAULT_BACKOFF },
      retryTopics: [],
      createDeadLetterTopic: true,
      processing: { mode: 'sequential' },
      kind: 'record',
      idempotency: {},
      location: 'Orders.onCreated',
    });
    expect(settings.deadLetterTopic('orders.created')).toBe('orders.created.dlq');
  });

  it('merges the module handlerDefaults with the handler options, the handler winning', () => {
    const options = {
      ...moduleOptions,
      handlerDefaults: {
        fromBeginning: false,
        retry: { maxAttempts: 3, maxTotalMs: 5_000 },
        deadLetter: { topic: 'all.dlq', createTopic: false },
        processing: { mode: 'key-concurrency' as const, maxConcurrency: 4 },
      },
    };
    const settings = resolve(
      {
        own: {
          topics: ['a', 'b'],
          id: 'created',
          groupId: 'billing',
          retry: { maxAttempts: 7 },
          deadLetter: { createTopic: true },
        },
      },
      options,
    );
    expect(settings).toMatchObject({
      id: 'created',
      groupId: 'billing',
      topics: ['a', 'b'],
      fromBeginning: false,
      retry: { maxAttempts: 7, maxTotalMs: 5_000 },
      createDeadLetterTopic: true,
      processing: { mode: 'key-concurrency', maxConcurrency: 4 },
    });
    expect(settings.deadLetterTopic('a')).toBe('all.dlq');
    // A handler without options of its own takes every default.
    expect(resolve({}, options)).toMatchObject({
      groupId: 'orders',
      retry: { maxAttempts: 3, maxTotalMs: 5_000 },
      createDeadLetterTopic: false,
    });
  });

  it('names one retry topic per source topic and delay', () => {
    const settings = resolve({
      own: { topics: ['a', 'b'], retry: { topics: { delaysMs: [1_000, 5_000] } } },
    });
    expect(settings.retryTopics).toEqual([
      { topic: 'a.retry.1', source: 'a' },
      { topic: 'a.retry.2', source: 'a' },
      { topic: 'b.retry.1', source: 'b' },
      { topic: 'b.retry.2', source: 'b' },
    ]);
  });

  it('keeps the @Idempotent options', () => {
    expect(resolve({ idempotency: { header: 'x-key' } }).idempotency).toEqual({ header: 'x-key' });
  });

  it('runs a batch handler in batch transactions, whatever processing says', () => {
    const options = {
      ...moduleOptions,
      handlerDefaults: { processing: { mode: 'key-concurrency' as const, maxConcurrency: 4 } },
    };
    const batch = resolve({ batch: {} }, options);
    expect(batch.kind).toBe('batch');
    expect(batch.processing).toEqual({ mode: 'batch-transaction', maxRecords: 100 });
    expect(resolve({ batch: { maxRecords: 20 } }).processing).toEqual({
      mode: 'batch-transaction',
      maxRecords: 20,
    });
    expect(
      resolve({ own: { topics: 't', processing: { mode: 'batch-transaction', maxRecords: 30 } } }),
    ).toMatchObject({ kind: 'record', processing: { mode: 'batch-transaction', maxRecords: 30 } });
  });

  it('rejects a bad value naming the handler and the setting', () => {
    expect(settingError(() => resolve({ own: { topics: [] } }))).toBe(
      '@AtLeastOnceHandler on Orders.onCreated: topics',
    );
    expect(settingError(() => resolve({ own: { topics: 'bad topic' } }))).toBe(
      '@AtLeastOnceHandler on Orders.onCreated: topics',
    );
    expect(settingError(() => resolve({ own: { topics: 't', retry: { maxAttempts: 0 } } }))).toBe(
      '@AtLeastOnceHandler on Orders.onCreated: retry.maxAttempts',
    );
    expect(
      settingError(() =>
        resolve(
          { own: { topics: 't' } },
          { ...moduleOptions, handlerDefaults: { retry: { maxTotalMs: -1 } } },
        ),
      ),
    ).toBe('@AtLeastOnceHandler on Orders.onCreated: retry.maxTotalMs');
    expect(
      settingError(() =>
        resolve({
          own: { topics: 't', processing: { mode: 'key-concurrency', maxConcurrency: 0 } },
        }),
      ),
    ).toBe('@AtLeastOnceHandler on Orders.onCreated: processing.maxConcurrency');
    expect(settingError(() => resolve({ batch: { maxRecords: 2_000 } }))).toBe(
      '@AtLeastOnceBatchHandler on Orders.onCreated: maxRecords',
    );
  });
});
