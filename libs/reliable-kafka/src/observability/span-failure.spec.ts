import { SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { MAX_SAFE_TEXT } from '../errors/safe-text';
import { UNDESCRIBABLE } from '../errors/thrown-value';
import { recordFailure } from './span-failure';

const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
}).getTracer('test');

/** The finished span of one failure, recorded as a delivery's or a publish's would be. */
function failedSpan(error: unknown) {
  exporter.reset();
  const span = tracer.startSpan('process orders');
  recordFailure(span, error);
  span.end();
  const [finished] = exporter.getFinishedSpans();
  return { ...finished, exception: finished.events.find((e) => e.name === 'exception') };
}

describe('recordFailure', () => {
  it("says what the log line and dlq-error-message say: a handler's message made safe and bounded", () => {
    const { status, exception, attributes } = failedSpan(
      new TypeError(`Invalid order for card 4111 1111\nnote: call me\u0000${'x'.repeat(5_000)}`),
    );
    expect(status.code).toBe(SpanStatusCode.ERROR);
    expect(status.message).toHaveLength(MAX_SAFE_TEXT);
    expect(status.message).toMatch(/^Invalid order for card 4111 1111 note: call me x+…$/);
    // The class and that message, no stack: its first line would carry the raw message again.
    expect(exception?.attributes).toEqual({
      'exception.type': 'TypeError',
      'exception.message': status.message,
    });
    expect(attributes['error.type']).toBe('TypeError');
  });

  it('names a typed error by its code, and describes what cannot be described without throwing', () => {
    const typed = Object.assign(new Error('no such topic'), { code: 'RK_UNKNOWN_TOPIC' });
    expect(failedSpan(typed).attributes['error.type']).toBe('RK_UNKNOWN_TOPIC');
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const { status, attributes } = failedSpan(proxy);
    expect(status).toEqual({ code: SpanStatusCode.ERROR, message: UNDESCRIBABLE });
    expect(attributes['error.type']).toBe('object');
  });
});
