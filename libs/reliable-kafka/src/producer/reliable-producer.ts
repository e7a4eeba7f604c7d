import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type Context, propagation } from '@opentelemetry/api';
import { describeThrown } from '../errors/thrown-value';
import type { KafkaClientFactory } from '../kafka/port/client-factory';
import type {
  OutgoingRecord,
  ProducerErrorKind,
  RecordOutcome,
  SentRecord,
} from '../kafka/port/producer-client';
import { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import type { ResolvedOptions } from '../options/reliable-kafka.options-resolver';
import { KAFKA_CLIENT_FACTORY, RESOLVED_OPTIONS } from '../reliable-kafka.constants';
import { classifyProducerError } from './errors/classify-producer-error';
import { ProducerClosedError } from './errors/producer.errors';
import type { ProducerMessage, RecordMetadata } from '../options/producer.options';
import type { ResolvedProducerOptions } from '../options/producer-settings';
import type { Settled } from './delivery-deadline';
import { ProducerConnection } from './producer-connection';
import { ProducerFallback } from './producer-fallback';
import { endSpanWhenSettled, startPublishSpan } from './publish-span';
import { encodedSize, encodeValue, identityHeaders } from './record-encoding';

interface Pending {
  record: OutgoingRecord;
  message: ProducerMessage;
  idempotencyKey: string;
  messageId: string;
  enqueuedAt: number;
  /** Resolved: an attempt wrote it (the rest of its batch may still be sent again). */
  done?: boolean;
  resolve(metadata: RecordMetadata): void;
  reject(error: Error): void;
}

interface TopicQueue {
  waiting: Pending[];
  timer?: NodeJS.Timeout;
  /** The batch being sent: one at a time per topic, so records of a key keep their order. */
  inFlight?: Promise<void>;
}

/**
 * Sends records with the reference's at-least-once settings (acks=all, idempotent producer,
 * retries bounded by the delivery timeout). Every record carries an `idempotency-key` and a
 * `message-id` header so `@Idempotent` consumers deduplicate resends across producer restarts
 * and across producers, which the idempotent producer alone cannot (new producer id per session).
 *
 * Records wait up to `lingerMs` (or until `batchSize` wait) and go out in batches per topic; each
 * record of a batch is settled on its own, and a record that failed for good fails with a typed
 * error, reported to the caller, the `produce-failed` event and the optional fallback.
 */
@Injectable()
export class ReliableProducer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ReliableProducer');
  private readonly settings: ResolvedProducerOptions;
  private readonly connection: ProducerConnection;
  private readonly errorKind: (error: unknown) => ProducerErrorKind | undefined;
  private readonly fallback: ProducerFallback;
  private readonly queues = new Map<string, TopicQueue>();
  private readonly beforeClose: Array<() => Promise<void>> = [];
  private closed = false;

  constructor(
    @Inject(RESOLVED_OPTIONS) options: ResolvedOptions,
    @Inject(KAFKA_CLIENT_FACTORY) clients: KafkaClientFactory,
    private readonly events: ReliableKafkaEvents,
  ) {
    this.settings = options.producer;
    this.errorKind = (error) => clients.producerErrorKind(error);
    this.connection = new ProducerConnection(clients, this.settings);
    this.fallback = new ProducerFallback(this.settings.fallback, this.connection, this.logger);
  }

  /**
   * Connects in the background so the first send is fast; a broker unreachable now is not a
   * bootstrap failure (apps that never produce, or `autoStart: false`, must still start), the
   * first send connects again.
   */
  onApplicationBootstrap(): void {
    if (this.settings.outbox.enabled) {
      this.connection
        .connect()
        .catch((error: unknown) =>
          this.logger.warn(`producer not connected yet: ${describeThrown(error)}`),
        );
    }
  }

  /**
   * Closes after every `beforeApplicationShutdown` hook: consumers draining their handlers (which
   * may still send) and the outbox relay have stopped by then.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Sends one record; resolves with its partition and offset once every in-sync replica has it. */
  async send(topic: string, message: ProducerMessage): Promise<RecordMetadata> {
    const [result] = await this.sendBatch(topic, [message]);
    return result;
  }

  /** Sends records of one topic, in order; resolves once all are acknowledged. */
  sendBatch(topic: string, messages: ProducerMessage[]): Promise<RecordMetadata[]> {
    return Promise.all(this.enqueue(topic, messages));
  }

  /**
   * Hands the records over and returns at once, with one promise per record that settles when it
   * is acknowledged or has failed for good. Failures are also reported through the
   * `produce-failed` event and the fallback, so an unobserved promise never hides one.
   */
  sendAsync(
    topic: string,
    messages: ProducerMessage | ProducerMessage[],
  ): Promise<RecordMetadata>[] {
    const promises = this.enqueue(topic, Array.isArray(messages) ? messages : [messages]);
    for (const p of promises) p.catch(() => undefined);
    return promises;
  }

  /** Sends everything waiting now and waits for it. */
  async flush(): Promise<void> {
    for (const topic of [...this.queues.keys()]) this.drainTopic(topic);
    await Promise.allSettled([...this.queues.values()].map((q) => q.inFlight));
    if ([...this.queues.values()].some((q) => q.waiting.length > 0 || q.inFlight))
      await this.flush();
  }

  /** @internal run before the producer closes (the outbox relay stops publishing first). */
  onBeforeClose(fn: () => Promise<void>): void {
    this.beforeClose.push(fn);
  }

  /** Stops dependants, sends what waits (bounded by the delivery timeout), and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const fn of this.beforeClose) await fn();
    this.closed = true;
    await this.flush();
    await this.connection.disconnect();
  }

  private enqueue(topic: string, messages: ProducerMessage[]): Promise<RecordMetadata>[] {
    const { span, spanContext } = startPublishSpan(topic, messages.length);
    const promises = messages.map((message) => this.enqueueOne(topic, message, spanContext));
    endSpanWhenSettled(span, promises, messages.length === 1 ? promises[0] : undefined);
    return promises;
  }

  private enqueueOne(
    topic: string,
    message: ProducerMessage,
    spanContext: Context,
  ): Promise<RecordMetadata> {
    if (this.closed) return Promise.reject(new ProducerClosedError(topic));
    let pending: Pending;
    try {
      const { idempotencyKey, messageId, headers } = identityHeaders(
        topic,
        message,
        this.settings.idempotencyKey,
      );
      const carrier: Record<string, string> = {};
      propagation.inject(spanContext, carrier);
      const record: OutgoingRecord = {
        key: message.key ?? null,
        value: encodeValue(topic, message.value),
        headers: { ...headers, ...carrier },
        partition: message.partition,
      };
      const promise = new Promise<RecordMetadata>((resolve, reject) => {
        pending = {
          record,
          message,
          idempotencyKey,
          messageId,
          enqueuedAt: Date.now(),
          resolve,
          reject,
        };
      });
      const queue = this.queue(topic);
      queue.waiting.push(pending!);
      if (queue.waiting.length >= this.settings.batchSize) this.drainTopic(topic);
      else if (!queue.timer)
        queue.timer = setTimeout(() => this.drainTopic(topic), this.settings.lingerMs);
      return promise;
    } catch (error) {
      const typed = classifyProducerError(error, topic, this.errorKind);
      this.events.emit('produce-failed', { topic, error: typed });
      void this.fallback.take(topic, [message], typed);
      return Promise.reject(typed);
    }
  }

  private queue(topic: string): TopicQueue {
    let queue = this.queues.get(topic);
    if (!queue) {
      queue = { waiting: [] };
      this.queues.set(topic, queue);
    }
    return queue;
  }

  /** Starts sending the next batch of a topic, unless one is in flight (it chains on its end). */
  private drainTopic(topic: string): void {
    const queue = this.queues.get(topic);
    if (!queue) return;
    clearTimeout(queue.timer);
    queue.timer = undefined;
    if (queue.inFlight || queue.waiting.length === 0) return;
    const batch = queue.waiting.splice(0, this.settings.batchSize);
    queue.inFlight = this.sendNow(topic, batch).finally(() => {
      queue.inFlight = undefined;
      if (queue.waiting.length > 0) this.drainTopic(topic);
      else if (!queue.timer) this.queues.delete(topic);
    });
  }

  /**
   * Each record of the batch is settled on its own: a record that was written resolves, one that
   * was not rejects, so a record another caller named wrongly (a partition the topic lacks) fails
   * that record only, and a written record is never reported as failed (resent without an explicit
   * idempotencyKey, it would get a new key: a real duplicate).
   */
  private async sendNow(topic: string, batch: Pending[]): Promise<void> {
    const started = Math.min(...batch.map((p) => p.enqueuedAt));
    // The records an attempt wrote resolve at once, not after the resends of their batch's others.
    const resolveWritten: Settled = (settled) => {
      const written = settled.filter(([i, outcome]) => outcome.status === 'sent' && !batch[i].done);
      if (written.length === 0) return;
      this.events.emit('produced', {
        topic,
        count: written.length,
        latencyMs: Date.now() - started,
      });
      for (const [i, outcome] of written) {
        const { partition, offset } = (outcome as { sent: SentRecord }).sent;
        const { idempotencyKey, messageId } = batch[i];
        batch[i].done = true;
        batch[i].resolve({ topic, partition, offset, idempotencyKey, messageId });
      }
    };
    let outcomes: RecordOutcome[];
    try {
      const client = await this.connection.connectWithin(topic);
      outcomes = await client.sendEach(
        topic,
        batch.map((p) => p.record),
        resolveWritten,
      );
    } catch (error) {
      outcomes = batch.map(() => ({ status: 'failed', error }));
    }
    resolveWritten(outcomes.map((outcome, i) => [i, outcome]));
    const failedBy = new Map<unknown, Pending[]>();
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'failed')
        failedBy.set(outcome.error, [...(failedBy.get(outcome.error) ?? []), batch[i]]);
    });
    for (const [error, failed] of failedBy) await this.failed(topic, failed, error);
  }

  /** Records that failed with one error: typed, reported once, handed to the fallback, rejected. */
  private async failed(topic: string, failed: Pending[], error: unknown): Promise<void> {
    const size = Math.max(...failed.map((p) => encodedSize(p.record.key, p.record.value)));
    const typed = classifyProducerError(
      error,
      topic,
      this.errorKind,
      size,
      this.settings.deliveryTimeoutMs,
    );
    this.events.emit('produce-failed', { topic, error: typed });
    await this.fallback.take(
      topic,
      failed.map((p) => ({ ...p.message, headers: p.record.headers })),
      typed,
    );
    for (const p of failed) p.reject(typed);
  }
}
