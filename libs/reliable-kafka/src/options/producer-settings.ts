import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import type { OutboxOptions } from './outbox.options';
import type { ProducerOptions } from './producer.options';

export const DEFAULT_OUTBOX_TABLE = 'reliable_kafka_outbox';

/** kafkajs's idempotent producer: more than one request in flight may reorder or duplicate. */
export const MAX_SAFE_IN_FLIGHT = 1;

export type ResolvedOutboxOptions = Required<OutboxOptions>;

export interface ResolvedProducerOptions extends Required<
  Omit<ProducerOptions, 'idempotencyKey' | 'fallback' | 'outbox' | 'acks'>
> {
  acks: -1 | 0 | 1;
  idempotencyKey?: ProducerOptions['idempotencyKey'];
  fallback?: ProducerOptions['fallback'];
  outbox: ResolvedOutboxOptions;
}

/** Producer settings with defaults from the reference configuration; unsafe combinations rejected. */
export function resolveProducerOptions(
  options: ProducerOptions | undefined,
): ResolvedProducerOptions {
  const o = options ?? {};
  for (const name of [
    'deliveryTimeoutMs',
    'maxInFlightRequests',
    'requestTimeoutMs',
    'unknownTopicTimeoutMs',
    'batchSize',
  ] as const) {
    positive(o[name], `producer.${name}`);
  }
  for (const name of ['lingerMs', 'retryBackoffMs'] as const)
    nonNegative(o[name], `producer.${name}`);
  const acks = o.acks === undefined || o.acks === 'all' ? -1 : o.acks;
  if (![-1, 0, 1].includes(acks)) {
    throw new ReliableKafkaConfigurationError(
      'producer.acks',
      `"${String(o.acks)}" is not one of 'all', -1, 0, 1`,
    );
  }
  const idempotent = o.idempotent ?? true;
  if (idempotent && acks !== -1) {
    throw new ReliableKafkaConfigurationError(
      'producer.acks',
      `acks=${String(o.acks)} with the idempotent producer is unsafe: use 'all' (or set producer.idempotent to false)`,
    );
  }
  const maxInFlightRequests = o.maxInFlightRequests ?? 1;
  if (idempotent && maxInFlightRequests > MAX_SAFE_IN_FLIGHT) {
    throw new ReliableKafkaConfigurationError(
      'producer.maxInFlightRequests',
      `${maxInFlightRequests} is above ${MAX_SAFE_IN_FLIGHT}, the most kafkajs's idempotent producer keeps in order`,
    );
  }
  const deliveryTimeoutMs = o.deliveryTimeoutMs ?? 120_000;
  // The default never exceeds the delivery budget (a short deliveryTimeoutMs alone stays valid).
  const requestTimeoutMs = o.requestTimeoutMs ?? Math.min(30_000, deliveryTimeoutMs);
  if (requestTimeoutMs > deliveryTimeoutMs) {
    throw new ReliableKafkaConfigurationError(
      'producer.requestTimeoutMs',
      `${requestTimeoutMs} exceeds producer.deliveryTimeoutMs (${deliveryTimeoutMs}): one request could outlive the whole delivery budget`,
    );
  }
  const unknownTopicTimeoutMs = o.unknownTopicTimeoutMs ?? Math.min(30_000, deliveryTimeoutMs);
  if (unknownTopicTimeoutMs > deliveryTimeoutMs) {
    throw new ReliableKafkaConfigurationError(
      'producer.unknownTopicTimeoutMs',
      `${unknownTopicTimeoutMs} exceeds producer.deliveryTimeoutMs (${deliveryTimeoutMs}): no send waits past its delivery timeout, where a topic still unknown fails with UnknownTopicError; give at most ${deliveryTimeoutMs}`,
    );
  }
  if (o.idempotencyKey !== undefined && typeof o.idempotencyKey !== 'function') {
    throw new ReliableKafkaConfigurationError(
      'producer.idempotencyKey',
      'must be a function of the message',
    );
  }
  if (o.fallback !== undefined && typeof o.fallback !== 'function') {
    const topic = (o.fallback as { deadLetterTopic?: unknown })?.deadLetterTopic;
    if (typeof topic !== 'string' || topic.length === 0) {
      throw new ReliableKafkaConfigurationError(
        'producer.fallback',
        'give a function or { deadLetterTopic: string }',
      );
    }
  }
  return {
    deliveryTimeoutMs,
    acks,
    idempotent,
    maxInFlightRequests,
    requestTimeoutMs,
    unknownTopicTimeoutMs,
    retryBackoffMs: o.retryBackoffMs ?? 100,
    lingerMs: o.lingerMs ?? 0,
    batchSize: o.batchSize ?? 500,
    idempotencyKey: o.idempotencyKey,
    fallback: o.fallback,
    outbox: resolveOutboxOptions(o.outbox),
  };
}

function resolveOutboxOptions(o: OutboxOptions | undefined): ResolvedOutboxOptions {
  const outbox = o ?? {};
  for (const name of ['pollIntervalMs', 'batchSize', 'retryDelayMs', 'drainTimeoutMs'] as const) {
    positive(outbox[name], `producer.outbox.${name}`);
  }
  if (outbox.tableName !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(outbox.tableName)) {
    throw new ReliableKafkaConfigurationError(
      'producer.outbox.tableName',
      `"${outbox.tableName}" is not a plain table name`,
    );
  }
  // A string from the environment ('false') would turn the bytes form on, which relays of an
  // earlier version cannot read: only a boolean is taken.
  const binary = outbox.binaryKeysAndHeaders;
  if (binary !== undefined && typeof binary !== 'boolean') {
    throw new ReliableKafkaConfigurationError(
      'producer.outbox.binaryKeysAndHeaders',
      `must be true or false, got ${JSON.stringify(binary) ?? String(binary)}`,
    );
  }
  return {
    enabled: outbox.enabled ?? false,
    tableName: outbox.tableName ?? DEFAULT_OUTBOX_TABLE,
    pollIntervalMs: outbox.pollIntervalMs ?? 500,
    batchSize: outbox.batchSize ?? 100,
    retryDelayMs: outbox.retryDelayMs ?? 1_000,
    drainTimeoutMs: outbox.drainTimeoutMs ?? 10_000,
    createTable: outbox.createTable ?? false,
    binaryKeysAndHeaders: binary ?? false,
  };
}

function positive(value: number | undefined, setting: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new ReliableKafkaConfigurationError(
      setting,
      `must be a positive integer, got ${String(value)}`,
    );
  }
}

function nonNegative(value: number | undefined, setting: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new ReliableKafkaConfigurationError(
      setting,
      `must be an integer >= 0, got ${String(value)}`,
    );
  }
}
