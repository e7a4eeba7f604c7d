/**
 * The producer side of a cluster scenario: the library's ReliableProducer, in an application of its
 * own (no handlers), sending the scenario's messages at a pace and writing down what it was told.
 * Every record it reports acknowledged (partition and offset) must later be on the topic; a record
 * reported failed may or may not be there, and is sent again, as an application would.
 */
import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import {
  DeliveryTimeoutError,
  ReliableKafkaError,
  ReliableKafkaModule,
  ReliableProducer,
  type ProducerMessage,
} from '@reliable-kafka/nestjs';
import { testClientOptions } from '../support/test-client';
import { sleep } from './sleep';

/** A record the producer reported written: where, and when it was told. */
export interface AckedRecord {
  id: string;
  partition: number;
  offset: string;
  at: number;
}

/** A send the producer reported failed for good. */
export interface FailedSend {
  id: string;
  /** The error's class name, e.g. DeliveryTimeoutError. */
  error: string;
  /** A ReliableKafkaError (the library's typed errors), not a client's raw one. */
  typed: boolean;
  /** The client's error beneath it, by name and message (the library's messages carry no payload). */
  cause?: string;
  /** From the call to its rejection. */
  elapsedMs: number;
  at: number;
}

export interface AckedProducerSettings {
  brokers: string[];
  /** The run's PostgreSQL database: the module needs a data source; nothing is written to it. */
  dbUrl: string;
  deliveryTimeoutMs: number;
  /** The wait for one produce request (and the broker's wait for the replicas); default min(10 s, delivery timeout). */
  requestTimeoutMs?: number;
  /** TEST-ONLY: `1` with idempotence off, the broken-on-purpose producer. Default 'all'. */
  acks?: 'all' | 1;
}

export class AckedProducer {
  readonly acked: AckedRecord[] = [];
  readonly failed: FailedSend[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  private constructor(
    private readonly app: INestApplicationContext,
    private readonly dataSource: DataSource,
    private readonly producer: ReliableProducer,
  ) {}

  static async start(settings: AckedProducerSettings): Promise<AckedProducer> {
    const dataSource = new DataSource({ type: 'postgres', url: settings.dbUrl, logging: false });
    await dataSource.initialize();
    @Module({
      imports: [
        ReliableKafkaModule.forRoot({
          client: testClientOptions(settings.brokers, `faults-producer-${process.pid}`, {
            retry: { retries: 10, maxRetryTime: 5_000 },
          }),
          // No handlers: the consumer settings are required, not used.
          consumer: { groupId: `faults-producer-${process.pid}` },
          dataSource,
          autoStart: false,
          metrics: { enabled: false },
          producer: {
            deliveryTimeoutMs: settings.deliveryTimeoutMs,
            requestTimeoutMs:
              settings.requestTimeoutMs ?? Math.min(10_000, settings.deliveryTimeoutMs),
            ...(settings.acks === 1 && { acks: 1, idempotent: false }),
          },
        }),
      ],
    })
    class AckedProducerModule {}
    const app = await NestFactory.createApplicationContext(AckedProducerModule, {
      logger: ['error'],
    });
    return new AckedProducer(app, dataSource, app.get(ReliableProducer));
  }

  /**
   * Sends `message` (idempotency key `id`) until it is acknowledged or `deadline` passes; every
   * answer is written down. Resolves with the acknowledgement.
   */
  async sendUntilAcked(
    topic: string,
    id: string,
    message: ProducerMessage,
    deadline: number,
  ): Promise<AckedRecord> {
    for (;;) {
      const began = Date.now();
      try {
        const metadata = await this.producer.send(topic, { ...message, idempotencyKey: id });
        const record = {
          id,
          partition: metadata.partition,
          offset: metadata.offset,
          at: Date.now(),
        };
        this.acked.push(record);
        return record;
      } catch (error) {
        this.failed.push({
          id,
          error: (error as Error).constructor?.name ?? String(error),
          typed: error instanceof ReliableKafkaError,
          cause: describeCause((error as Error).cause),
          elapsedMs: Date.now() - began,
          at: Date.now(),
        });
        if (Date.now() > deadline)
          throw new Error(`producer: ${id} not acknowledged before the deadline`, {
            cause: error,
          });
        // A timed-out send is retried at once; anything else after a pause.
        if (!(error instanceof DeliveryTimeoutError)) await sleep(500);
      }
    }
  }

  /**
   * One attempt at `entries` as one batch (ReliableProducer.sendBatch), without sending again:
   * each is written down acknowledged, or failed with the batch's error.
   */
  async sendTogether(
    topic: string,
    entries: { id: string; message: ProducerMessage }[],
  ): Promise<boolean> {
    const began = Date.now();
    try {
      const sent = await this.producer.sendBatch(
        topic,
        entries.map((e) => ({ ...e.message, idempotencyKey: e.id })),
      );
      sent.forEach((metadata, i) =>
        this.acked.push({
          id: entries[i].id,
          partition: metadata.partition,
          offset: metadata.offset,
          at: Date.now(),
        }),
      );
      return true;
    } catch (error) {
      for (const e of entries)
        this.failed.push({
          id: e.id,
          error: (error as Error).constructor?.name ?? String(error),
          typed: error instanceof ReliableKafkaError,
          cause: describeCause((error as Error).cause),
          elapsedMs: Date.now() - began,
          at: Date.now(),
        });
      return false;
    }
  }

  /** sendUntilAcked without waiting: `drain()` waits for every one started. */
  start(topic: string, id: string, message: ProducerMessage, deadline: number): void {
    const sending: Promise<void> = this.sendUntilAcked(topic, id, message, deadline).then(
      () => undefined,
    );
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending)).catch(() => undefined);
  }

  /** How many sends are still waiting for their acknowledgement. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Waits for every send started; rejects with the first that could not be acknowledged. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async stop(): Promise<void> {
    try {
      await this.app.close();
    } finally {
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
    }
  }
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  const e = cause as { name?: string; type?: string; message?: string };
  return `${e.name ?? 'Error'}${e.type ? ` ${e.type}` : ''}: ${e.message ?? String(cause)}`.slice(
    0,
    200,
  );
}
