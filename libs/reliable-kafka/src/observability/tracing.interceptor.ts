import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { context as otelContext, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Observable } from 'rxjs';
import { ReliableKafkaContext } from '../pipeline/reliable-kafka.context';

/** Name of the tracer the library's spans come from. */
export const RELIABLE_KAFKA_TRACER = '@reliable-kafka/nestjs';

/** Span attributes beyond the messaging semantic conventions. */
export const ReliableKafkaSpanAttributes = {
  handler: 'reliable_kafka.handler',
  attempt: 'reliable_kafka.attempt',
  idempotencyKey: 'reliable_kafka.idempotency_key',
  /** true when the key was already processed and the handler was skipped. */
  duplicate: 'reliable_kafka.duplicate',
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
    if (!(kafka instanceof ReliableKafkaContext)) return next.handle();

    const parent = propagation.extract(ROOT_CONTEXT, kafka.headers);
    const tracer = trace.getTracer(RELIABLE_KAFKA_TRACER);
    const span = tracer.startSpan(
      `process ${kafka.topic}`,
      { kind: SpanKind.CONSUMER, attributes: attributesOf(kafka) },
      parent,
    );
    const active = trace.setSpan(parent, span);

    return new Observable((subscriber) => {
      // Subscribing inside the span's context: Nest binds the next step's async context when it
      // is called, so both next.handle() and the subscription must happen in here.
      const subscription = otelContext.with(active, () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            fail(span, error);
            span.end();
            subscriber.error(error);
          },
          complete: () => {
            span.setAttribute(ReliableKafkaSpanAttributes.duplicate, kafka.outcome === 'duplicate');
            span.end();
            subscriber.complete();
          },
        }),
      );
      return () => subscription.unsubscribe();
    });
  }
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
  const key = kafka.key;
  if (key !== null) attributes['messaging.kafka.message.key'] = key;
  if (kafka.idempotencyKey) attributes[ReliableKafkaSpanAttributes.idempotencyKey] = kafka.idempotencyKey;
  return attributes;
}

function fail(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  else span.recordException({ message: String(error) });
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
