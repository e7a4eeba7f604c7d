import { Logger } from '@nestjs/common';
import type { DedupStore } from '../dedup/dedup-store';
import type { HandlerDefinition } from '../discovery/handler-definition';
import type { DeadLetterPublisher } from '../failure/dead-letter-publisher';
import type { RetryTopicPublisher } from '../failure/retry-topic-publisher';
import { describeThrown } from '../errors/thrown-value';
import { msUntilDue, priorAttempts, sourceTopicOf } from '../failure/retry-topics';
import { decideAfterFailure, outageDelay } from '../failure/failure-policy';
import { ClassifierWatch } from '../failure/classifier-watch';
import type { DeliveryEvent, ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import { extractIdempotencyKey } from '../pipeline/idempotency-key';
import { ReliableKafkaContext } from '../pipeline/reliable-kafka.context';
import type { TransactionScope } from '../pipeline/handler-transaction';
import { callBatchHandler } from './batch-handler-call';
import type { DeliveryState } from './delivery-state';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';

/**
 * `finished`: the effect is committed, the duplicate skipped, or the record dead-lettered, so its
 * offset may be committed. `retry`: none of those yet; deliver the record again after `delayMs`.
 */
export type DeliveryResult = { kind: 'finished' } | { kind: 'retry'; delayMs: number };

/**
 * One delivery of one record to one handler: decode, key, the interceptor chain (transaction,
 * dedup insert, handler); after a failure it carries out the failure policy's decision.
 */
export class MessageProcessor {
  private readonly logger = new Logger('ReliableKafka');
  private readonly classifiers = new ClassifierWatch((message) => this.logger.warn(message));

  constructor(
    private readonly transactions: TransactionScope,
    private readonly dedup: DedupStore,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly events: ReliableKafkaEvents,
    private readonly retryTopics: RetryTopicPublisher,
  ) {}

  async deliver(
    record: KafkaMessageRecord,
    handler: HandlerDefinition,
    state: DeliveryState,
  ): Promise<DeliveryResult> {
    // A record on a retry topic waits for its time; its partition is paused until then.
    const dueInMs = msUntilDue(record);
    if (dueInMs > 0) return { kind: 'retry', delayMs: dueInMs };
    if (state.deadLetter) return this.deadLetter(record, handler, state);
    if (state.retryTopicMove) return this.moveToRetryTopic(record, handler, state);
    const earlierAttempts = priorAttempts(record);
    const attempt = earlierAttempts + ++state.deliveries;
    const started = Date.now();
    const event: DeliveryEvent = {
      record,
      handlerId: handler.id,
      groupId: handler.groupId,
      attempt,
    };
    try {
      const payload = handler.decode(record.value, record);
      event.idempotencyKey = extractIdempotencyKey(
        record,
        payload,
        handler.idempotency,
        handler.id,
      );
      const outcome = await this.runPipeline(
        record,
        handler,
        payload,
        event.idempotencyKey,
        attempt,
      );
      if (outcome === 'duplicate') this.events.emit('duplicate', event);
      else this.events.emit('processed', { ...event, durationMs: Date.now() - started });
      return { kind: 'finished' };
    } catch (error) {
      const decision = decideAfterFailure(
        {
          error,
          attempt,
          earlierAttempts,
          failuresBefore: state.failures,
          msSinceFirstTry: Date.now() - state.firstTryAt,
        },
        this.classifiers.retryOf(handler.id, handler.retry),
      );
      // Database outages do not count against the attempt limit: the message is not at fault.
      if (decision.kind !== 'wait-for-database') state.failures++;
      switch (decision.kind) {
        case 'wait-for-database':
          this.events.emit('retry', {
            ...event,
            error,
            delayMs: decision.delayMs,
            reason: 'database-unavailable',
          });
          this.logger.warn(
            `${where(record)} ${handler.id}: database unavailable (${describeThrown(error)}); retrying in ${decision.delayMs} ms`,
          );
          return { kind: 'retry', delayMs: decision.delayMs };
        case 'retry':
          this.events.emit('retry', {
            ...event,
            error,
            delayMs: decision.delayMs,
            reason: 'handler',
          });
          this.logger.warn(
            `${where(record)} ${handler.id}: attempt ${attempt} failed (${describeThrown(error)}); retrying in ${decision.delayMs} ms`,
          );
          return { kind: 'retry', delayMs: decision.delayMs };
        case 'retry-topic':
          state.retryTopicMove = { attempts: decision.attempts, delayMs: decision.delayMs, error };
          return this.moveToRetryTopic(record, handler, state, event.idempotencyKey);
        case 'dead-letter':
          state.deadLetter = { error, attempts: decision.attempts };
          return this.deadLetter(record, handler, state, event.idempotencyKey);
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
    if (handler.kind === 'batch') {
      // A batch handler gets the record alone, as a batch of one, in a transaction of its own.
      const [outcome] = await callBatchHandler(
        handler,
        [{ record, payload, key: idempotencyKey }],
        attempt,
        {
          runner: this.transactions,
          dedup: this.dedup,
        },
      );
      return outcome;
    }
    const context = new ReliableKafkaContext(
      record,
      payload,
      handler.id,
      handler.groupId,
      idempotencyKey,
      attempt,
      {
        runner: this.transactions,
        dedup: this.dedup,
        record: {
          handlerId: handler.id,
          idempotencyKey,
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
        },
      },
    );
    await handler.invoke(payload, context);
    if (context.outcome === 'pending') {
      // An interceptor of the app answered without calling the handler: nothing was written, and
      // nothing would be on a redelivery either, so the record is finished.
      this.logger.warn(`${where(record)} ${handler.id}: an interceptor skipped the handler`);
    }
    return context.outcome === 'duplicate' ? 'duplicate' : 'processed';
  }

  /** Non-blocking retry: the record moves on to its next retry topic; the offset waits for that write. */
  private async moveToRetryTopic(
    record: KafkaMessageRecord,
    handler: HandlerDefinition,
    state: DeliveryState,
    idempotencyKey?: string,
  ): Promise<DeliveryResult> {
    const { attempts, delayMs, error } = state.retryTopicMove as NonNullable<
      DeliveryState['retryTopicMove']
    >;
    const event = deliveryEvent(record, handler, attempts, idempotencyKey);
    try {
      const topic = await this.retryTopics.publish(record, handler.retryTopics, attempts, delayMs);
      this.logger.warn(
        `${where(record)} ${handler.id}: attempt ${attempts} failed (${describeThrown(error)}); moved to ${topic}, due in ${delayMs} ms`,
      );
      this.events.emit('retry', { ...event, error, delayMs, reason: 'handler' });
      return { kind: 'finished' };
    } catch (publishError) {
      state.deadLetterFailures++;
      const backoffMs = outageDelay(handler.retry.backoff, state.deadLetterFailures);
      this.logger.error(
        `${where(record)} ${handler.id}: moving to a retry topic failed (${describeThrown(publishError)}); offset not committed, retrying in ${backoffMs} ms`,
      );
      return { kind: 'retry', delayMs: backoffMs };
    }
  }

  /** The offset waits for the dead-letter write: if it fails, the record is retried, never dropped. */
  private async deadLetter(
    record: KafkaMessageRecord,
    handler: HandlerDefinition,
    state: DeliveryState,
    idempotencyKey?: string,
  ): Promise<DeliveryResult> {
    const { error, attempts } = state.deadLetter as NonNullable<DeliveryState['deadLetter']>;
    const deadLetterTopic = handler.deadLetterTopic(
      sourceTopicOf(record.topic, handler.retryTopics),
    );
    const event = deliveryEvent(record, handler, attempts, idempotencyKey);
    try {
      await this.deadLetters.publish(deadLetterTopic, record, {
        error,
        attempts,
        groupId: handler.groupId,
        handlerId: handler.id,
      });
    } catch (publishError) {
      state.deadLetterFailures++;
      const delayMs = outageDelay(handler.retry.backoff, state.deadLetterFailures);
      this.events.emit('dead-letter-failed', { ...event, error: publishError, deadLetterTopic });
      this.logger.error(
        `${where(record)} ${handler.id}: writing to dead-letter topic ${deadLetterTopic} failed (${describeThrown(publishError)}); offset not committed, retrying in ${delayMs} ms`,
      );
      return { kind: 'retry', delayMs };
    }
    this.logger.error(
      `${where(record)} ${handler.id}: dead-lettered to ${deadLetterTopic} after ${attempts} attempt(s): ${describeThrown(error)}`,
    );
    this.events.emit('dead-lettered', { ...event, error, deadLetterTopic });
    return { kind: 'finished' };
  }
}

/** What every event of a delivery's end says about it: the record, its handler and the attempt. */
function deliveryEvent(
  record: KafkaMessageRecord,
  handler: HandlerDefinition,
  attempt: number,
  idempotencyKey: string | undefined,
): DeliveryEvent {
  return { record, handlerId: handler.id, groupId: handler.groupId, attempt, idempotencyKey };
}

function where(record: KafkaMessageRecord): string {
  return `${record.topic}[${record.partition}]@${record.offset}`;
}
