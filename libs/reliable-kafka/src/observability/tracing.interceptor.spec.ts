import type { CallHandler, ExecutionContext } from '@nestjs/common';
import {
  context,
  propagation,
  type Span,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { lastValueFrom, of, throwError } from 'rxjs';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import { ReliableKafkaContext } from '../pipeline/reliable-kafka.context';
import { TracingInterceptor } from './tracing.interceptor';

// The producer's span, as a W3C traceparent header on the record.
const PRODUCER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const record = {
  topic: 't',
  partition: 0,
  offset: '7',
  key: null,
  value: null,
  headers: { traceparent: `00-${PRODUCER_TRACE_ID}-00f067aa0ba902b7-01` },
  timestamp: '0',
} as unknown as KafkaMessageRecord;
const contextOf = (rpcContext: unknown) =>
  ({ switchToRpc: () => ({ getContext: () => rpcContext }) }) as unknown as ExecutionContext;
const kafka = () => new ReliableKafkaContext(record, {}, 'h', 'g', 'k', 1, {} as never);

// Restored after each test, passed or failed: a restore after an awaited expect that fails would
// never run, and the tests after it would see the mocked tracer.
afterEach(() => jest.restoreAllMocks());

describe('TracingInterceptor without an OpenTelemetry SDK', () => {
  const interceptor = new TracingInterceptor();

  // An app's context manager and propagator, but no tracer provider: the API's tracer hands out
  // non-recording spans. Without a context manager no span is ever active, and the test below
  // could not tell a missing span from a non-recording one.
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(() => {
    context.disable();
    propagation.disable();
  });

  it("passes the result through, inside a non-recording span in the producer's trace", async () => {
    // The spans the interceptor starts, from the API's own (no-op) tracer.
    const started: Span[] = [];
    const getTracer = trace.getTracer.bind(trace);
    jest.spyOn(trace, 'getTracer').mockImplementation((name, version) => {
      const tracer = getTracer(name, version);
      return {
        startSpan: (...args: Parameters<Tracer['startSpan']>) => {
          const span = tracer.startSpan(...args);
          started.push(span);
          return span;
        },
        startActiveSpan: tracer.startActiveSpan.bind(tracer),
      } as Tracer;
    });
    let active: Span | undefined;
    const next: CallHandler = {
      handle: () => {
        active = trace.getActiveSpan();
        return of('done');
      },
    };
    await expect(lastValueFrom(interceptor.intercept(contextOf(kafka()), next))).resolves.toBe(
      'done',
    );
    expect(started).toHaveLength(1);
    expect(active).toBe(started[0]);
    expect(active?.isRecording()).toBe(false);
    expect(active?.spanContext().traceId).toBe(PRODUCER_TRACE_ID);
  });

  it('passes errors through unchanged', async () => {
    const error = new Error('boom');
    const next: CallHandler = { handle: () => throwError(() => error) };
    await expect(lastValueFrom(interceptor.intercept(contextOf(kafka()), next))).rejects.toBe(
      error,
    );
  });

  it('leaves contexts other than ReliableKafkaContext alone', async () => {
    const next: CallHandler = { handle: () => of(1) };
    await expect(lastValueFrom(interceptor.intercept(contextOf({}), next))).resolves.toBe(1);
  });
});

describe('TracingInterceptor with a recording tracer', () => {
  it("marks a failed delivery's span as the log line says it: the handler's message made safe", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    jest.spyOn(trace, 'getTracer').mockReturnValue(provider.getTracer('test'));
    const error = new Error('Invalid order for Zoë\ncard 4111 1111\u0000');
    const next: CallHandler = { handle: () => throwError(() => error) };
    await expect(
      lastValueFrom(new TracingInterceptor().intercept(contextOf(kafka()), next)),
    ).rejects.toBe(error);
    const [span] = exporter.getFinishedSpans();
    expect(span.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'Invalid order for Zoë card 4111 1111 ',
    });
    expect(span.events.map((e) => e.attributes)).toEqual([
      { 'exception.type': 'Error', 'exception.message': 'Invalid order for Zoë card 4111 1111 ' },
    ]);
  });
});
