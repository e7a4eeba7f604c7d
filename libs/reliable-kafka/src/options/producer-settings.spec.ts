import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import { resolveProducerOptions } from './producer-settings';

describe('resolveProducerOptions', () => {
  it('defaults to the reference at-least-once configuration', () => {
    expect(resolveProducerOptions(undefined)).toMatchObject({
      acks: -1,
      idempotent: true,
      maxInFlightRequests: 1,
      deliveryTimeoutMs: 120_000,
      requestTimeoutMs: 30_000,
      unknownTopicTimeoutMs: 30_000,
      retryBackoffMs: 100,
      lingerMs: 0,
      batchSize: 500,
      outbox: {
        enabled: false,
        tableName: 'reliable_kafka_outbox',
        batchSize: 100,
        binaryKeysAndHeaders: false,
      },
    });
  });

  it.each([
    [{ acks: 1 as const }, 'producer.acks'],
    [{ acks: 0 as const }, 'producer.acks'],
    [{ acks: 'some' as never }, 'producer.acks'],
    [{ maxInFlightRequests: 5 }, 'producer.maxInFlightRequests'],
    [{ deliveryTimeoutMs: 0 }, 'producer.deliveryTimeoutMs'],
    [{ lingerMs: -1 }, 'producer.lingerMs'],
    [{ batchSize: 1.5 }, 'producer.batchSize'],
    [{ requestTimeoutMs: 60_000, deliveryTimeoutMs: 30_000 }, 'producer.requestTimeoutMs'],
    [{ unknownTopicTimeoutMs: 0 }, 'producer.unknownTopicTimeoutMs'],
    [{ unknownTopicTimeoutMs: 2.5 }, 'producer.unknownTopicTimeoutMs'],
    [
      { unknownTopicTimeoutMs: 60_000, deliveryTimeoutMs: 30_000 },
      'producer.unknownTopicTimeoutMs',
    ],
    [{ fallback: { deadLetterTopic: '' } }, 'producer.fallback'],
    [{ idempotencyKey: 'id' as never }, 'producer.idempotencyKey'],
    [{ outbox: { pollIntervalMs: 0 } }, 'producer.outbox.pollIntervalMs'],
    [{ outbox: { tableName: 'x; drop table y' } }, 'producer.outbox.tableName'],
    [
      { outbox: { binaryKeysAndHeaders: 'false' as never } },
      'producer.outbox.binaryKeysAndHeaders',
    ],
  ])('rejects %j naming %s', (options, setting) => {
    let error: unknown;
    try {
      resolveProducerOptions(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReliableKafkaConfigurationError);
    expect((error as ReliableKafkaConfigurationError).setting).toBe(setting);
    expect((error as Error).message).toContain(setting);
  });

  it('a short delivery timeout alone lowers the default request and unknown-topic timeouts instead of failing', () => {
    expect(resolveProducerOptions({ deliveryTimeoutMs: 500 })).toMatchObject({
      deliveryTimeoutMs: 500,
      requestTimeoutMs: 500,
      unknownTopicTimeoutMs: 500,
    });
  });

  it('takes an unknown-topic timeout up to the delivery timeout, and says so past it', () => {
    expect(
      resolveProducerOptions({ deliveryTimeoutMs: 60_000, unknownTopicTimeoutMs: 60_000 }),
    ).toMatchObject({ unknownTopicTimeoutMs: 60_000 });
    expect(() =>
      resolveProducerOptions({ deliveryTimeoutMs: 60_000, unknownTopicTimeoutMs: 60_001 }),
    ).toThrow(
      '"producer.unknownTopicTimeoutMs": 60001 exceeds producer.deliveryTimeoutMs (60000): no send waits past its delivery timeout, where a topic still unknown fails with UnknownTopicError; give at most 60000',
    );
  });

  it('allows acks 1 or in-flight 5 once idempotence is off (explicitly unsafe)', () => {
    expect(
      resolveProducerOptions({ idempotent: false, acks: 1, maxInFlightRequests: 5 }),
    ).toMatchObject({
      acks: 1,
      maxInFlightRequests: 5,
    });
  });
});
