import { DataSource } from 'typeorm';
import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import { parseRetentionWindow } from '../dedup/retention-window';
import type { ProcessingOptions } from './processing.options';
import { type BackoffOptions, DEFAULT_BACKOFF, type RetryOptions } from './retry.options';
import { DEFAULT_CLIENT_ID, DEFAULT_DEDUP_TABLE } from '../reliable-kafka.constants';
import type { CommitStrategy, ReliableKafkaModuleOptions } from './reliable-kafka.options';
import { type ResolvedProducerOptions, resolveProducerOptions } from './producer-settings';
import { validateMetricsOptions } from './metrics.options';
import { validateConfluentOptions } from '../kafka/confluent/confluent-options-validation';

/** Options with every default applied and every value checked. */
export interface ResolvedOptions extends ReliableKafkaModuleOptions {
  dataSource: string | DataSource;
  dedup: {
    tableName: string;
    retentionMs: number | null;
    cleanupIntervalMs: number;
    cleanupBatchSize: number;
    createTable: boolean;
  };
  commit: CommitStrategy;
  producer: ResolvedProducerOptions;
  shutdownTimeoutMs: number;
  autoStart: boolean;
}

export const DEFAULT_RETRY = { maxAttempts: 5, maxTotalMs: 60_000 } as const;

/** Checks the module options once, at bootstrap; every error names the setting. */
export function resolveOptions(options: ReliableKafkaModuleOptions | undefined): ResolvedOptions {
  if (!options || typeof options !== 'object') {
    throw new ReliableKafkaConfigurationError(
      'options',
      'ReliableKafkaModule.forRoot() needs an options object',
    );
  }
  const brokers = options.client?.brokers;
  if (typeof brokers !== 'function' && (!Array.isArray(brokers) || brokers.length === 0)) {
    throw new ReliableKafkaConfigurationError(
      'client.brokers',
      'give at least one broker address, e.g. ["127.0.0.1:9092"]',
    );
  }
  if (Array.isArray(brokers)) {
    for (const broker of brokers) {
      if (typeof broker !== 'string' || !/^[^\s:]+:\d+$/.test(broker)) {
        throw new ReliableKafkaConfigurationError(
          'client.brokers',
          `"${String(broker)}" is not host:port`,
        );
      }
    }
  }
  if (options.client.library === 'confluent') {
    validateConfluentOptions(options.client, options.consumer);
  }
  if (!options.consumer?.groupId || typeof options.consumer.groupId !== 'string') {
    throw new ReliableKafkaConfigurationError(
      'consumer.groupId',
      'a consumer group id is required',
    );
  }
  positiveInteger(
    options.consumer.partitionsConsumedConcurrently,
    'consumer.partitionsConsumedConcurrently',
  );

  const dataSource = options.dataSource ?? 'default';
  if (typeof dataSource !== 'string' && !(dataSource instanceof DataSource)) {
    throw new ReliableKafkaConfigurationError(
      'dataSource',
      'expected a data source name or a TypeORM DataSource',
    );
  }

  const commit = options.commit ?? { strategy: 'record' };
  if (!['record', 'batch', 'periodic'].includes(commit.strategy)) {
    throw new ReliableKafkaConfigurationError(
      'commit.strategy',
      `"${String(commit.strategy)}" is not one of 'record', 'batch', 'periodic'`,
    );
  }
  if (commit.strategy === 'periodic') {
    positiveInteger(commit.everyRecords, 'commit.everyRecords');
    positiveInteger(commit.everyMs, 'commit.everyMs');
    if (commit.everyRecords === undefined && commit.everyMs === undefined) {
      throw new ReliableKafkaConfigurationError(
        'commit',
        "the 'periodic' strategy needs everyRecords, everyMs, or both",
      );
    }
  }

  const dedup = options.dedup ?? {};
  positiveInteger(dedup.cleanupIntervalMs, 'dedup.cleanupIntervalMs');
  positiveInteger(dedup.cleanupBatchSize, 'dedup.cleanupBatchSize');
  positiveInteger(options.shutdownTimeoutMs, 'shutdownTimeoutMs');
  positiveInteger(options.producer?.deliveryTimeoutMs, 'producer.deliveryTimeoutMs');
  validateMetricsOptions(options.metrics, (setting, message) => {
    throw new ReliableKafkaConfigurationError(setting, message);
  });
  if (options.handlerDefaults?.retry)
    resolveRetry(options.handlerDefaults.retry, undefined, 'handlerDefaults.retry');
  if (options.handlerDefaults?.processing)
    resolveProcessing(options.handlerDefaults.processing, 'handlerDefaults.processing');

  return {
    ...options,
    client: { clientId: DEFAULT_CLIENT_ID, ...options.client },
    dataSource,
    commit,
    dedup: {
      tableName: dedup.tableName ?? DEFAULT_DEDUP_TABLE,
      retentionMs: parseRetentionWindow(dedup.retention ?? '7d', 'dedup.retention'),
      cleanupIntervalMs: dedup.cleanupIntervalMs ?? 60_000,
      cleanupBatchSize: dedup.cleanupBatchSize ?? 1_000,
      createTable: dedup.createTable ?? false,
    },
    producer: resolveProducerOptions(options.producer),
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 30_000,
    autoStart: options.autoStart ?? true,
  };
}

/** A handler's retry settings over the module defaults, checked. */
export function resolveRetry(
  own: RetryOptions | undefined,
  defaults: RetryOptions | undefined,
  setting: string,
): RetryOptions & { maxAttempts: number; maxTotalMs: number; backoff: BackoffOptions } {
  const retry = { ...DEFAULT_RETRY, backoff: DEFAULT_BACKOFF, ...defaults, ...own };
  positiveInteger(retry.maxAttempts, `${setting}.maxAttempts`);
  positiveInteger(retry.maxTotalMs, `${setting}.maxTotalMs`);
  if (retry.topics !== undefined) {
    const delays = retry.topics?.delaysMs;
    if (
      !Array.isArray(delays) ||
      delays.length === 0 ||
      delays.some((d) => !(Number.isFinite(d) && d >= 0))
    ) {
      throw new ReliableKafkaConfigurationError(
        `${setting}.topics.delaysMs`,
        'must be a non-empty list of delays in ms (>= 0)',
      );
    }
  }
  const backoff = retry.backoff;
  if (backoff.type === 'fixed') {
    nonNegative(backoff.delayMs, `${setting}.backoff.delayMs`);
  } else if (backoff.type === 'exponential') {
    nonNegative(backoff.initialMs, `${setting}.backoff.initialMs`);
    nonNegative(backoff.maxMs, `${setting}.backoff.maxMs`);
    if (backoff.multiplier !== undefined && !(backoff.multiplier >= 1)) {
      throw new ReliableKafkaConfigurationError(
        `${setting}.backoff.multiplier`,
        'must be a number >= 1',
      );
    }
    if (backoff.jitter !== undefined && !(backoff.jitter >= 0 && backoff.jitter <= 1)) {
      throw new ReliableKafkaConfigurationError(
        `${setting}.backoff.jitter`,
        'must be between 0 and 1',
      );
    }
  } else {
    throw new ReliableKafkaConfigurationError(
      `${setting}.backoff.type`,
      `"${String((backoff as { type?: unknown }).type)}" is not 'fixed' or 'exponential'`,
    );
  }
  return retry;
}

/** A handler's processing mode, checked. */
export function resolveProcessing(
  processing: ProcessingOptions | undefined,
  setting: string,
): ProcessingOptions {
  const resolved = processing ?? { mode: 'sequential' };
  switch (resolved.mode) {
    case 'sequential':
      return resolved;
    case 'batch-transaction':
      checkMaxRecords(resolved.maxRecords, `${setting}.maxRecords`);
      return resolved;
    case 'key-concurrency':
      positiveInteger(resolved.maxConcurrency, `${setting}.maxConcurrency`);
      return resolved;
    default:
      throw new ReliableKafkaConfigurationError(
        `${setting}.mode`,
        `"${String((resolved as { mode?: unknown }).mode)}" is not 'sequential', 'batch-transaction' or 'key-concurrency'`,
      );
  }
}

/** Records per batch transaction: bounded, since one statement carries all their dedup rows. */
export function checkMaxRecords(value: unknown, setting: string): void {
  positiveInteger(value, setting);
  if (((value as number | undefined) ?? 0) > 1_000) {
    throw new ReliableKafkaConfigurationError(
      setting,
      `at most 1000 records per transaction, got ${JSON.stringify(value)}`,
    );
  }
}

function positiveInteger(value: unknown, setting: string): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) {
    throw new ReliableKafkaConfigurationError(
      setting,
      `must be a positive integer, got ${JSON.stringify(value)}`,
    );
  }
}

function nonNegative(value: unknown, setting: string): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw new ReliableKafkaConfigurationError(
      setting,
      `must be a number >= 0, got ${JSON.stringify(value)}`,
    );
  }
}
