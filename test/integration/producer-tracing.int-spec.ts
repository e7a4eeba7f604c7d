import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncHooksContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ReliableProducer } from '@reliable-kafka/nestjs';
import { createTopic, eventually, readAll, uniqueName } from '../support/kafka';
import { useLedgerApp } from '../support/ledger/ledger-app';

describe('ReliableProducer tracing (real broker)', () => {
  const exporter = new InMemorySpanExporter();
  const ledger = useLedgerApp('sqlite');

  beforeAll(() => {
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    context.setGlobalContextManager(new AsyncHooksContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('a PRODUCER span "<topic> publish" per send, its context injected as traceparent', async () => {
    const topic = uniqueName('traced');
    await createTopic(topic);
    const app = await ledger.start();
    const sent = await app.get(ReliableProducer).send(topic, { key: 'k', value: 'v' });

    await eventually(
      () => exporter.getFinishedSpans().some((s) => s.name === `${topic} publish`),
      'span ended',
      10_000,
    );
    const span = exporter.getFinishedSpans().find((s) => s.name === `${topic} publish`)!;
    expect(span.kind).toBe(SpanKind.PRODUCER);
    expect(span.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.operation.type': 'publish',
      'messaging.destination.partition.id': String(sent.partition),
      'messaging.message.id': sent.messageId,
    });
    const [record] = await readAll(topic, 1);
    const traceparent = record.headers.traceparent;
    expect(traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
  });
});
