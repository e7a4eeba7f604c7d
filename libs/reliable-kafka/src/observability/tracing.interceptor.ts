import { isUtf8 } from 'node:buffer';
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import {
  type Context,
  context as otelContext,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import { Observable } from 'rxjs';
import { ReliableKafkaBatchContext } from '../pipeline/reliable-kafka-batch.context';
import { ReliableKafkaContext } from '../pipeline/reliable-kafka.context';
import { recordFailure } from './span-failure';

/** Name of the tracer the library's spans come from. */
export const RELIABLE_KAFKA_TRACER = '@reliable-kafka/nestjs';

/** Span attributes beyond the messaging semantic conventions. */
export const ReliableKafkaSpanAttributes = {
  handler: 'reliable_kafka.handler',
  attempt: 'reliable_kafka.attempt',
  idempotencyKey: 'reliable_kafka.idempotency_key',
  /** true when the key was already processed and the handler was skipped. */
  duplicate: 'reliable_kafka.duplicate',
  /** Batch handler: records of the batch that were duplicates and not passed to the handler. */
  duplicateCount: 'reliable_kafka.duplicate_count',
} as const;

/**
 * Opens a CONSUMER span per delivery, parented to the producer's span carried in the record's
 * headers (W3C `traceparent`), and runs the rest of the chain (transaction, dedup insert, handler)
 * inside it, so spans of the handler's own calls join the producer's trace. Without an
 * OpenTelemetry SDK the API hands out non-recording spans and this costs next to nothing.
 *
 * It is the outermost step of `@AtLeastOnceHandler`, so the span covers the whole delivery.
 */
@Injectable()
export class TracingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const kafka = context.switchToRpc().getContext();
    if (kafka instanceof ReliableKafkaBatchContext) return this.interceptBatch(kafka, next);
    if (!(kafka instanceof ReliableKafkaContext)) return next.handle();

    const parent = propagation.extract(ROOT_CONTEXT, kafka.headers);
    const tracer = trace.getTracer(RELIABLE_KAFKA_TRACER);
    const span = tracer.startSpan(
      `process ${kafka.topic}`,
      { kind: SpanKind.CONSUMER, attributes: attributesOf(kafka) },
      parent,
    );
    return inSpan(span, parent, next, () => {
      span.setAttribute(ReliableKafkaSpanAttributes.duplicate, kafka.outcome === 'duplicate');
    });
  }

  /**
   * A batch handler's call is one CONSUMER span (a batch has no single parent), linked to the
   * producer's span of each record, as the messaging conventions describe batch processing.
   */
  private interceptBatch(batch: ReliableKafkaBatchContext, next: CallHandler): Observable<unknown> {
    const links: Link[] = [];
    for (const record of batch.delivered) {
      const producer = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, record.headers));
      if (producer && trace.isSpanContextValid(producer)) links.push({ context: producer });
    }
    const parent = ROOT_CONTEXT; // a trace of its own, linked to each producer's
    const span = trace
      .getTracer(RELIABLE_KAFKA_TRACER)
      .startSpan(
        `process ${batch.topic}`,
        { kind: SpanKind.CONSUMER, attributes: batchAttributesOf(batch), links },
        parent,
      );
    return inSpan(span, parent, next, () => {
      const duplicates = batch.outcomes.filter((o) => o === 'duplicate').length;
      span.setAttribute(ReliableKafkaSpanAttributes.duplicateCount, duplicates);
      span.setAttribute(
        ReliableKafkaSpanAttributes.duplicate,
        duplicates === batch.delivered.length,
      );
    });
  }
}

/** Runs the rest of the chain inside `span` and ends it with the chain's outcome. */
function inSpan(
  span: Span,
  parent: Context,
  next: CallHandler,
  onComplete: () => void,
): Observable<unknown> {
  const active = trace.setSpan(parent, span);
  return new Observable((subscriber) => {
    // Subscribing inside the span's context: Nest binds the next step's async context when it
    // is called, so both next.handle() and the subscription must happen in here.
    const subscription = otelContext.with(active, () =>
      next.handle().subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => {
          recordFailure(span, error);
          span.end();
          subscriber.error(error);
        },
        complete: () => {
          onComplete();
          span.end();
          subscriber.complete();
        },
      }),
    );
    return () => subscription.unsubscribe();
  });
}

function batchAttributesOf(
  batch: ReliableKafkaBatchContext,
): Record<string, string | number | boolean> {
  return {
    'messaging.system': 'kafka',
    'messaging.operation': 'process',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': batch.topic,
    'messaging.destination.partition.id': String(batch.partition),
    'messaging.kafka.destination.partition': batch.partition,
    'messaging.batch.message_count': batch.delivered.length,
    'messaging.consumer.group.name': batch.groupId,
    'messaging.kafka.consumer.group': batch.groupId,
    [ReliableKafkaSpanAttributes.handler]: batch.handlerId,
    [ReliableKafkaSpanAttributes.attempt]: batch.attempt,
  };
}

function attributesOf(kafka: ReliableKafkaContext): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {
    'messaging.system': 'kafka',
    'messaging.operation': 'process',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': kafka.topic,
    'messaging.destination.partition.id': String(kafka.partition),
    'messaging.kafka.destination.partition': kafka.partition,
    'messaging.kafka.offset': Number(kafka.offset),
    'messaging.kafka.message.offset': Number(kafka.offset),
    'messaging.consumer.group.name': kafka.groupId,
    'messaging.kafka.consumer.group': kafka.groupId,
    [ReliableKafkaSpanAttributes.handler]: kafka.handlerId,
    [ReliableKafkaSpanAttributes.attempt]: kafka.attempt,
  };
  // Semantic conventions: a key without one canonical text form is left out, not shown as U+FFFD.
  const key = kafka.record.key;
  if (key !== null && isUtf8(key)) attributes['messaging.kafka.message.key'] = key.toString('utf8');
  if (kafka.idempotencyKey)
    attributes[ReliableKafkaSpanAttributes.idempotencyKey] = kafka.idempotencyKey;
  return attributes;
}
