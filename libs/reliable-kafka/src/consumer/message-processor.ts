import { Logger } from '@nestjs/common';
import type { DedupStore } from '../dedup/dedup-store';
import type { HandlerDefinition } from '../discovery/handler-definition';
import { backoffDelay } from '../failure/backoff';
import type { DeadLetterPublisher } from '../failure/dead-letter-publisher';
import { classifyError, isDatabaseUnavailable } from '../failure/error-classifier';
import type { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import { extractIdempotencyKey } from '../pipeline/idempotency-key';
import { ReliableKafkaContext } from '../pipeline/reliable-kafka.context';
import type { TransactionRunner } from '../pipeline/transaction-runner';
import { abortableWait } from './abortable-wait';
import type { KafkaMessageRecord } from './kafka-message-record';

/** How the consumer loop lets a delivery know it must give up (shutdown, revocation). */
export interface DeliveryControl {
  shouldStop: () => boolean;
  heartbeat: () => Promise<void>;
}

/**
 * `finished`: the effect is committed, the duplicate skipped, or the record dead-lettered, so the
 * offset may be committed. `abandoned`: none of those; the record must be delivered again.
 */
export type DeliveryResult = 'finished' | 'abandoned';

/**
 * Delivers one record to one handler until it is finished: decode, key, the interceptor chain
 * (transaction, dedup insert, handler), retries with back-off, and the dead-letter topic.
 */
export class MessageProcessor {
  private readonly logger = new Logger('ReliableKafka');

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly dedup: DedupStore,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly events: ReliableKafkaEvents,
  ) {}

  async deliver(
    record: KafkaMessageRecord,
    handler: HandlerDefinition,
    control: DeliveryControl,
  ): Promise<DeliveryResult> {
    const firstTry = Date.now();
    let handlerFailures = 0;
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      let idempotencyKey: string | undefined;
      try {
        const payload = handler.decode(record.value, record);
        idempotencyKey = extractIdempotencyKey({ ...record, payload }, handler.idempotency, handler.id);
        const outcome = await this.runPipeline(record, handler, payload, idempotencyKey, attempt);
        const event = { record, handlerId: handler.id, groupId: handler.groupId, idempotencyKey, attempt };
        if (outcome === 'duplicate') this.events.emit('duplicate', event);
        else this.events.emit('processed', { ...event, durationMs: Date.now() - started });
        return 'finished';
      } catch (error) {
        const event = { record, handlerId: handler.id, groupId: handler.groupId, idempotencyKey, attempt };
        if (isDatabaseUnavailable(error)) {
          // The message is not at fault: wait for the database, without an attempt limit.
          const delayMs = backoffDelay(handler.retry.backoff, Math.min(attempt, 8));
          this.events.emit('retry', { ...event, error, delayMs, reason: 'database-unavailable' });
          this.logger.warn(`${where(record)} ${handler.id}: database unavailable (${message(error)}); retrying in ${delayMs} ms`);
          if (!(await abortableWait(delayMs, control.shouldStop, control.heartbeat))) return 'abandoned';
          continue;
        }
        handlerFailures++;
        const retriable = classifyError(error, handler.retry) === 'retriable';
        const delayMs = backoffDelay(handler.retry.backoff, handlerFailures);
        const withinTime = Date.now() + delayMs - firstTry <= handler.retry.maxTotalMs;
        if (retriable && handlerFailures < handler.retry.maxAttempts && withinTime) {
          this.events.emit('retry', { ...event, error, delayMs, reason: 'handler' });
          this.logger.warn(`${where(record)} ${handler.id}: attempt ${attempt} failed (${message(error)}); retrying in ${delayMs} ms`);
          if (!(await abortableWait(delayMs, control.shouldStop, control.heartbeat))) return 'abandoned';
          continue;
        }
        return this.deadLetter(record, handler, error, attempt, event, control);
      }
    }
  }

  private async runPipeline(
    record: KafkaMessageRecord,
    handler: HandlerDefinition,
    payload: unknown,
    idempotencyKey: string,
    attempt: number,
  ): Promise<'processed' | 'duplicate'> {
    const context = new ReliableKafkaContext(record, payload, handler.id, handler.groupId, idempotencyKey, attempt, {
      runner: this.transactions,
      dedup: this.dedup,
      record: {
        handlerId: handler.id,
        idempotencyKey,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
      },
    });
    await handler.invoke(payload, context);
    if (context.outcome === 'pending') {
      // An interceptor of the app answered without calling the handler: nothing was written, and
      // nothing will be on a redelivery either, so the record is finished.
      this.logger.warn(`${where(record)} ${handler.id}: an interceptor skipped the handler`);
    }
    return context.outcome === 'duplicate' ? 'duplicate' : 'processed';
  }

  /** Publishes to the dead-letter topic until acknowledged; the offset waits for that. */
  private async deadLetter(
    record: KafkaMessageRecord,
    handler: HandlerDefinition,
    error: unknown,
    attempts: number,
    event: { record: KafkaMessageRecord; handlerId: string; groupId: string; idempotencyKey?: string; attempt: number },
    control: DeliveryControl,
  ): Promise<DeliveryResult> {
    const deadLetterTopic = handler.deadLetterTopic(record.topic);
    for (let publishAttempt = 1; ; publishAttempt++) {
      try {
        await this.deadLetters.publish(deadLetterTopic, record, {
          error,
          attempts,
          groupId: handler.groupId,
          handlerId: handler.id,
        });
        this.logger.error(
          `${where(record)} ${handler.id}: dead-lettered to ${deadLetterTopic} after ${attempts} attempt(s): ${message(error)}`,
        );
        this.events.emit('dead-lettered', { ...event, error, deadLetterTopic });
        return 'finished';
      } catch (publishError) {
        this.events.emit('dead-letter-failed', { ...event, error: publishError, deadLetterTopic });
        const delayMs = backoffDelay(handler.retry.backoff, Math.min(publishAttempt, 8));
        this.logger.error(
          `${where(record)} ${handler.id}: writing to dead-letter topic ${deadLetterTopic} failed (${message(publishError)}); offset not committed, retrying in ${delayMs} ms`,
        );
        if (!(await abortableWait(delayMs, control.shouldStop, control.heartbeat))) return 'abandoned';
      }
    }
  }
}

function where(record: KafkaMessageRecord): string {
  return `${record.topic}[${record.partition}]@${record.offset}`;
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
