import { Injectable } from '@nestjs/common';
import { testClientLibrary } from '../support/test-client';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  AtLeastOnceBatchHandler,
  AtLeastOnceHandler,
  Ctx,
  DeliveryStats,
  Payload,
  ReliableKafkaBatchContext,
  ReliableKafkaContext,
  ReliableProducer,
} from '@reliable-kafka/nestjs';
import { createTopic, eventually, produce, uniqueName } from '../support/kafka';
import { applyCredit, type Credit } from '../support/ledger/credit';
import { useLedgerApp } from '../support/ledger/ledger-app';

describe('observability: OpenTelemetry spans (postgres, real broker, in-memory exporter)', () => {
  const ledger = useLedgerApp('postgres');
  const exporter = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager();

  beforeAll(() => {
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => exporter.reset());

  const spansOf = (topic: string) =>
    exporter.getFinishedSpans().filter((s) => s.name.includes(topic));
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('producer and consumer spans in one trace; the handler runs inside the consumer span; duplicates and failures are marked', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);
    const account = uniqueName('a');

    @Injectable()
    class Credits {
      @AtLeastOnceHandler({
        topics: topic,
        retry: { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 30 } },
      })
      async credit(@Payload() credit: Credit, @Ctx() ctx: ReliableKafkaContext) {
        // A span of the handler's own work: it must be a child of the library's CONSUMER span.
        await trace.getTracer('test-app').startActiveSpan(`apply ${topic}`, async (span) => {
          try {
            if (credit.id === 'bad') throw new Error('ledger rejects this credit');
            await applyCredit(ctx.entityManager, credit, ctx);
          } finally {
            span.end();
          }
        });
      }
    }

    const app = await ledger.start({ providers: [Credits] });
    const stats = app.get(DeliveryStats);
    const producer = app.get(ReliableProducer);
    await producer.send(topic, {
      key: account,
      value: { id: 'ok', account, amount: 1 },
      idempotencyKey: 'ok',
    });
    await producer.send(topic, {
      key: account,
      value: { id: 'ok', account, amount: 1 },
      idempotencyKey: 'ok',
    });
    await producer.send(topic, {
      key: account,
      value: { id: 'bad', account, amount: 1 },
      idempotencyKey: 'bad',
    });
    await eventually(
      () => stats.get().deadLettered === 1 && stats.get().duplicates === 1,
      'all three handled',
    );
    await eventually(
      () => spansOf(topic).filter((s) => s.kind === SpanKind.CONSUMER).length === 4,
      '4 consumer spans',
    );

    const spans = spansOf(topic);
    const producerSpans = spans.filter((s) => s.kind === SpanKind.PRODUCER);
    const consumerSpans = spans.filter((s) => s.kind === SpanKind.CONSUMER);
    expect(producerSpans).toHaveLength(3);

    // Every consumer span is a child of the producer span of its record: one trace per send.
    for (const consumer of consumerSpans) {
      const producerSpan = producerSpans.find((p) => p.spanContext().spanId === parentOf(consumer));
      expect(producerSpan).toBeDefined();
      expect(consumer.spanContext().traceId).toBe(producerSpan!.spanContext().traceId);
      expect(consumer.name).toBe(`process ${topic}`);
      expect(consumer.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.destination.name': topic,
        'messaging.operation.type': 'process',
        'messaging.kafka.message.key': account,
        'messaging.destination.partition.id': '0',
        'messaging.consumer.group.name': expect.any(String),
      });
      expect(typeof consumer.attributes['messaging.kafka.offset']).toBe('number');
    }

    // The first record: processed; the handler's span is the consumer span's child.
    const [first, duplicate, ...failing] = [...consumerSpans].sort(
      (a, b) =>
        Number(a.attributes['messaging.kafka.offset']) -
          Number(b.attributes['messaging.kafka.offset']) ||
        Number(a.attributes['reliable_kafka.attempt']) -
          Number(b.attributes['reliable_kafka.attempt']),
    );
    expect(first.attributes['reliable_kafka.duplicate']).toBe(false);
    expect(first.status.code).not.toBe(SpanStatusCode.ERROR);
    const applySpans = spans.filter((s) => s.name === `apply ${topic}`);
    expect(applySpans.some((s) => parentOf(s) === first.spanContext().spanId)).toBe(true);
    // The second one carries the same key: the handler is skipped, the span says so.
    expect(duplicate.attributes['reliable_kafka.duplicate']).toBe(true);
    expect(applySpans.some((s) => parentOf(s) === duplicate.spanContext().spanId)).toBe(false);
    // The bad one: two attempts, each span in error with the exception recorded.
    expect(failing).toHaveLength(2);
    for (const span of failing) {
      expect(span.status).toMatchObject({
        code: SpanStatusCode.ERROR,
        message: 'ledger rejects this credit',
      });
      expect(span.events.some((e) => e.name === 'exception')).toBe(true);
    }
  });

  it('a record key that is not UTF-8 is left out of the span, not shown as U+FFFD', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);

    @Injectable()
    class Credits {
      @AtLeastOnceHandler({ topics: topic })
      async credit() {}
    }

    const app = await ledger.start({ providers: [Credits] });
    const value = JSON.stringify({ id: 'k', account: 'a', amount: 1 });
    await produce(topic, [
      { key: Buffer.from([0x6b, 0xff]), value },
      { key: Buffer.from('k-€'), value },
    ]);
    await eventually(() => app.get(DeliveryStats).get().processed === 2, 'both processed');
    await eventually(() => spansOf(topic).length === 2, 'two consumer spans');

    const keys = spansOf(topic)
      .sort(
        (a, b) =>
          Number(a.attributes['messaging.kafka.offset']) -
          Number(b.attributes['messaging.kafka.offset']),
      )
      .map((s) => s.attributes['messaging.kafka.message.key']);
    expect(keys).toEqual([undefined, 'k-€']);
  });

  it('a batch handler call is one CONSUMER span linked to the producer span of each record', async () => {
    const topic = uniqueName('credits');
    await createTopic(topic);
    const producerSpans = Array.from({ length: 5 }, (_, i) =>
      trace.getTracer('test-producer').startSpan(`send ${i}`),
    );
    const messages = producerSpans.map((span, i) => {
      const headers: Record<string, string> = { 'idempotency-key': `${topic}-${i}` };
      propagation.inject(trace.setSpan(context.active(), span), headers);
      span.end();
      return { key: 'k', value: JSON.stringify({ i }), headers };
    });
    await produce(topic, messages);
    const handlerSpanParents: (string | undefined)[] = [];

    @Injectable()
    class Credits {
      @AtLeastOnceBatchHandler({ topics: topic, maxRecords: 10 })
      async apply(@Payload() items: { i: number }[], @Ctx() batch: ReliableKafkaBatchContext) {
        expect(batch.records).toHaveLength(items.length);
        handlerSpanParents.push(trace.getActiveSpan()?.spanContext().spanId);
      }
    }

    const app = await ledger.start({ providers: [Credits] });
    await eventually(() => app.get(DeliveryStats).get().processed === 5, 'five processed');
    // kafkajs fetches the five as one batch; Confluent's client assembles its first batches of a
    // partition small (1, 1, then up to its batch size), so the five may come in several calls.
    const consumerSpans = spansOf(topic).filter((s) => s.kind === SpanKind.CONSUMER);
    if (testClientLibrary() === 'kafkajs') expect(consumerSpans).toHaveLength(1);
    const counted = consumerSpans.map((span) => span.attributes['messaging.batch.message_count']);
    expect(counted.reduce((sum: number, n) => sum + Number(n), 0)).toBe(5);
    for (const span of consumerSpans) {
      expect(span.attributes).toMatchObject({ 'reliable_kafka.duplicate_count': 0 });
      expect(span.links).toHaveLength(Number(span.attributes['messaging.batch.message_count']));
    }
    // Each call links the producer span of each of its records: together, every record's once.
    expect(consumerSpans.flatMap((span) => span.links.map((l) => l.context.spanId)).sort()).toEqual(
      producerSpans.map((p) => p.spanContext().spanId).sort(),
    );
    expect(handlerSpanParents.sort()).toEqual(
      consumerSpans.map((span) => span.spanContext().spanId).sort(),
    );
  });
});
