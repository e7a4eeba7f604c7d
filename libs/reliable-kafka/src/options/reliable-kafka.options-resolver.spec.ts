import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import type { ReliableKafkaModuleOptions } from './reliable-kafka.options';
import { resolveOptions, resolveRetry } from './reliable-kafka.options-resolver';

const valid: ReliableKafkaModuleOptions = {
  client: { brokers: ['127.0.0.1:9092'] },
  consumer: { groupId: 'orders' },
};

function failure(options: unknown): ReliableKafkaConfigurationError {
  try {
    resolveOptions(options as ReliableKafkaModuleOptions);
  } catch (error) {
    if (error instanceof ReliableKafkaConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('resolveOptions', () => {
  it('applies the defaults', () => {
    const resolved = resolveOptions(valid);
    expect(resolved.commit).toEqual({ strategy: 'record' });
    expect(resolved.dataSource).toBe('default');
    expect(resolved.dedup).toEqual({
      tableName: 'reliable_kafka_dedup',
      retentionMs: 7 * 86_400_000,
      cleanupIntervalMs: 60_000,
      cleanupBatchSize: 1_000,
      createTable: false,
    });
    expect(resolved.client.clientId).toBe('reliable-kafka');
    expect(resolved.shutdownTimeoutMs).toBe(30_000);
  });

  it.each([
    [{ ...valid, client: { brokers: [] } }, 'client.brokers'],
    [{ ...valid, client: { brokers: ['localhost'] } }, 'client.brokers'],
    [{ ...valid, consumer: {} }, 'consumer.groupId'],
    [
      { ...valid, consumer: { groupId: 'g', partitionsConsumedConcurrently: 0 } },
      'consumer.partitionsConsumedConcurrently',
    ],
    [{ ...valid, commit: { strategy: 'sometimes' } }, 'commit.strategy'],
    [{ ...valid, commit: { strategy: 'periodic' } }, 'commit'],
    [{ ...valid, commit: { strategy: 'periodic', everyRecords: 1.5 } }, 'commit.everyRecords'],
    [{ ...valid, dedup: { retention: '2 weeks' } }, 'dedup.retention'],
    [{ ...valid, dataSource: 42 }, 'dataSource'],
    [{ ...valid, producer: { deliveryTimeoutMs: -1 } }, 'producer.deliveryTimeoutMs'],
    [{ ...valid, producer: { acks: 1 } }, 'producer.acks'],
    [{ ...valid, producer: { maxInFlightRequests: 5 } }, 'producer.maxInFlightRequests'],
    [{ ...valid, producer: { outbox: { batchSize: 0 } } }, 'producer.outbox.batchSize'],
    [
      { ...valid, handlerDefaults: { retry: { maxAttempts: 0 } } },
      'handlerDefaults.retry.maxAttempts',
    ],
    [{ ...valid, metrics: { prefix: '9lives' } }, 'metrics.prefix'],
    [{ ...valid, metrics: { registry: {} } }, 'metrics.registry'],
    [{ ...valid, metrics: { dedupCountCacheMs: -1 } }, 'metrics.dedupCountCacheMs'],
    [{ ...valid, metrics: { handlerDurationBuckets: [] } }, 'metrics.handlerDurationBuckets'],
    [undefined, 'options'],
  ])('rejects a bad setting and names it: %#', (options, setting) => {
    const error = failure(options);
    expect(error.setting).toBe(setting);
    expect(error.message).toContain(`"${setting}"`);
    expect(error.code).toBe('RK_CONFIGURATION');
  });
});

describe('resolveRetry', () => {
  it('takes the handler over the defaults over the library defaults', () => {
    const retry = resolveRetry({ maxAttempts: 2 }, { maxAttempts: 9, maxTotalMs: 500 }, 'retry');
    expect(retry.maxAttempts).toBe(2);
    expect(retry.maxTotalMs).toBe(500);
    expect(retry.backoff.type).toBe('exponential');
  });

  it('rejects an unknown back-off type and a jitter outside 0..1', () => {
    expect(() => resolveRetry({ backoff: { type: 'linear' } as never }, undefined, 'r')).toThrow(
      /"r\.backoff\.type"/,
    );
    expect(() =>
      resolveRetry({ backoff: { type: 'exponential', jitter: 2 } }, undefined, 'r'),
    ).toThrow(/"r\.backoff\.jitter"/);
  });
});
