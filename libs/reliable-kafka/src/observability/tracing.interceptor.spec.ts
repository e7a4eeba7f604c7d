import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { lastValueFrom, of, throwError } from 'rxjs';
import type { KafkaMessageRecord } from '../consumer/kafka-message-record';
import { ReliableKafkaContext } from '../pipeline/reliable-kafka.context';
import { TracingInterceptor } from './tracing.interceptor';

const record = {
  topic: 't',
  partition: 0,
  offset: '7',
  key: null,
  value: null,
  headers: {},
  timestamp: '0',
} as unknown as KafkaMessageRecord;
const contextOf = (rpcContext: unknown) =>
  ({ switchToRpc: () => ({ getContext: () => rpcContext }) }) as unknown as ExecutionContext;
const kafka = () => new ReliableKafkaContext(record, {}, 'h', 'g', 'k', 1, {} as never);

describe('TracingInterceptor without an OpenTelemetry SDK', () => {
  const interceptor = new TracingInterceptor();

  it('passes the result through, inside a non-recording span', async () => {
    let recording: boolean | undefined;
    const next: CallHandler = {
      handle: () => {
        recording = trace.getActiveSpan()?.isRecording();
        return of('done');
      },
    };
    await expect(lastValueFrom(interceptor.intercept(contextOf(kafka()), next))).resolves.toBe(
      'done',
    );
    expect(recording).not.toBe(true);
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
