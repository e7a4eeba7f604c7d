import { Logger, type LoggerService } from '@nestjs/common';
import { createKafkaClient } from './kafkajs-client-factory';
import { KafkajsProducerClient } from './kafkajs-producer-client';

describe('kafkajs log lines through Nest', () => {
  const lines: string[] = [];
  const capture: LoggerService = {
    log: (m: unknown) => lines.push(`log ${String(m)}`),
    warn: (m: unknown) => lines.push(`warn ${String(m)}`),
    error: (m: unknown) => lines.push(`error ${String(m)}`),
    debug: () => undefined,
    verbose: () => undefined,
  };
  beforeEach(() => {
    lines.length = 0;
    Logger.overrideLogger(capture);
  });
  afterAll(() => Logger.overrideLogger(false));

  it("does not show kafkajs's EoS warning for the bounded retries of the idempotent producer, and still shows its other warnings", () => {
    // Nothing listens there: the producer is only built (kafkajs warns at construction), never connected.
    const kafka = createKafkaClient({ brokers: ['127.0.0.1:1'], clientId: 'logging-spec' });
    new KafkajsProducerClient(kafka, {
      deliveryTimeoutMs: 120_000,
      acks: -1,
      idempotent: true,
      maxInFlightRequests: 1,
      requestTimeoutMs: 30_000,
      retryBackoffMs: 100,
    });
    kafka.logger().warn('another warning');

    expect(lines.filter((l) => l.startsWith('warn'))).toEqual([
      expect.stringMatching(/^warn another warning/),
    ]);
  });
});
