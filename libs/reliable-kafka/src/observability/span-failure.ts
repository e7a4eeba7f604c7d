import { type Span, SpanStatusCode } from '@opentelemetry/api';
import { safeText } from '../errors/safe-text';
import { thrownCode, thrownMessage, thrownName } from '../errors/thrown-value';

/**
 * Marks a span failed, saying of the error what the log line and the `dlq-*` headers say: its
 * class and its message as the thrower wrote them, made safe and bounded (safeText), since a
 * handler's message may quote its payload. The status message is that message; the exception
 * event carries the class and the message, not the stack, whose first line is the raw message
 * again, unbounded.
 */
export function recordFailure(span: Span, error: unknown): void {
  const message = safeText(thrownMessage(error));
  span.recordException({ name: safeText(thrownName(error)), message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute('error.type', safeText(thrownCode(error) ?? thrownName(error)));
}
