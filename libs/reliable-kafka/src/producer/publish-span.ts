import { context, type Context, type Span, SpanKind, trace } from '@opentelemetry/api';
import { recordFailure } from '../observability/span-failure';
import type { RecordMetadata } from '../options/producer.options';

const tracer = trace.getTracer('@reliable-kafka/nestjs');

/** The PRODUCER span of one send call, and the context its records' trace headers come from. */
export function startPublishSpan(
  topic: string,
  count: number,
): { span: Span; spanContext: Context } {
  const span = tracer.startSpan(`${topic} publish`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.operation.type': 'publish',
      'messaging.operation.name': 'publish',
      'messaging.batch.message_count': count,
    },
  });
  return { span, spanContext: trace.setSpan(context.active(), span) };
}

/** Ends the span once every record settled: an error if one failed, a single record's place if not. */
export function endSpanWhenSettled(
  span: Span,
  promises: Promise<RecordMetadata>[],
  single?: Promise<RecordMetadata>,
): void {
  Promise.allSettled(promises).then((results) => {
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // A SerializationError quotes what the app's key function or toJSON threw.
      recordFailure(span, failed.reason);
    } else if (single) {
      const ok = results[0] as PromiseFulfilledResult<RecordMetadata>;
      span.setAttribute('messaging.destination.partition.id', String(ok.value.partition));
      span.setAttribute('messaging.kafka.offset', Number(ok.value.offset));
      span.setAttribute('messaging.message.id', ok.value.messageId);
    }
    span.end();
  });
}
