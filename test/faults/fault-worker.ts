/**
 * The consumer process of the fault-injection suite: one ledger handler on ReliableKafkaModule,
 * configured by RK_WORKER_CONFIG (JSON, FaultWorkerConfig). It prints one line per event, which
 * the checker (fault-check.ts) counts:
 *   READY | P <key> <partition> <offset> <epoch ms> (processed) | D ... (duplicate absorbed) |
 *   L ... (dead-lettered) | R <key> <reason> (retry) | KILL <how> <key> | CLOSED <signal> |
 *   H up <epoch ms> | H down <epoch ms> <first problem> (the health indicator, with healthEveryMs)
 * Pipes to the parent are synchronous on Linux, so a line printed before a SIGKILL is not lost.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource, type DataSourceOptions, type EntityManager } from 'typeorm';
import {
  AtLeastOnceBatchHandler,
  AtLeastOnceHandler,
  Ctx,
  Idempotent,
  NonRetriableError,
  Payload,
  ReliableKafkaBatchContext,
  ReliableKafkaConsumers,
  ReliableKafkaContext,
  ReliableKafkaEvents,
  ReliableKafkaModule,
  type CommitStrategy,
  type ProcessingOptions,
} from '@reliable-kafka/nestjs';
import { TerminusModule } from '@nestjs/terminus';
import { OutboxService } from '@reliable-kafka/nestjs';
import { ReliableKafkaHealthIndicator } from '@reliable-kafka/nestjs/health';
import { applyCredit } from '../support/ledger/credit';
import { commitBeforeProcess } from './commit-before-process';
import { groupTimings, testClientOptions } from '../support/test-client';
import { LEDGER_ENTITIES } from '../support/ledger/ledger.entities';

export interface FaultWorkerConfig {
  brokers: string[];
  topic: string;
  groupId: string;
  /** postgres:// URL of the suite's own database. */
  dbUrl: string;
  commit?: CommitStrategy;
  /** The handler's processing mode (default sequential). */
  processing?: ProcessingOptions;
  /** Instead: an `@AtLeastOnceBatchHandler` with this maxRecords, applying each credit of a call in turn. */
  batchHandlerRecords?: number;
  partitionsConsumedConcurrently?: number;
  /** The group timings (default: the suite's short ones, 6 s session, 0.5 s heartbeat). */
  sessionTimeout?: number;
  heartbeatInterval?: number;
  /** Percent (0..100) of keys whose handler fails transiently on its first delivery in a process. */
  transientFailurePercent?: number;
  /**
   * The hook point: SIGKILL this process right after the N-th transaction of this process
   * committed (the 'processed' event), before its offset is committed.
   */
  killAfterCommitAt?: number;
  /** SIGKILL inside the handler of the N-th message, after its writes, before the transaction commits. */
  killInHandlerAt?: number;
  /**
   * TEST-ONLY breakage: the handler writes through its own connection, outside the transaction
   * that holds the dedup record, so a rolled-back or redelivered message applies its effect again.
   */
  unsafeBypassDedup?: boolean;
  /** TEST-ONLY breakage: offsets are committed before a batch is processed (commit-before-process.ts). */
  unsafeCommitBeforeProcess?: boolean;
  /**
   * The handler also writes an outbox message to this topic in its transaction (key: the account,
   * idempotency key `out-<message id>`), and this worker runs the outbox relay.
   */
  outboxTopic?: string;
  /** Print the health indicator's verdict this often (an `H` line). */
  healthEveryMs?: number;
}

/** The idempotency key of the outbox message a credit writes. */
export function outboxKeyOf(messageId: string): string {
  return `out-${messageId}`;
}

export interface FaultMessage {
  id: string;
  account: string;
  amount: number;
  /** A poison message: the handler rejects it as non-retriable (it goes to the DLQ). */
  poison?: boolean;
}

/** Deterministic per key, so the suite knows which keys were made to fail. */
export function failsTransiently(key: string, percent: number): boolean {
  if (!percent) return false;
  return createHash('sha1').update(key).digest().readUInt16BE(0) % 10_000 < percent * 100;
}

const RETRY = {
  maxAttempts: 5,
  maxTotalMs: 60_000,
  backoff: { type: 'exponential' as const, initialMs: 50, maxMs: 1_000, jitter: 0.2 },
};

async function main(): Promise<void> {
  const config = JSON.parse(process.env.RK_WORKER_CONFIG ?? '') as FaultWorkerConfig;
  if (config.unsafeCommitBeforeProcess) commitBeforeProcess();
  const dataSource = new DataSource({
    type: 'postgres',
    url: config.dbUrl,
    entities: LEDGER_ENTITIES,
    synchronize: false,
    logging: false,
    extra: { max: 10, connectionTimeoutMillis: 3_000 },
  } as DataSourceOptions);
  await dataSource.initialize();
  const print = (line: string) => process.stdout.write(`${line}\n`);
  let handled = 0;
  let committed = 0;
  let outbox: OutboxService | undefined;

  /**
   * One credit, in the handler's transaction (`manager`), with the suite's hooks: poison, the
   * in-handler kill, the transient failure. A poison or a failure fails the whole call.
   */
  async function creditWithHooks(
    message: FaultMessage,
    at: { idempotencyKey: string; partition: number; offset: string },
    attempt: number,
    manager: EntityManager,
  ): Promise<void> {
    // Taken before any await: handlers of other partitions run concurrently.
    const nth = ++handled;
    if (message.poison) throw new NonRetriableError(`poison message ${message.id}`);
    await applyCredit(config.unsafeBypassDedup ? dataSource.manager : manager, message, at);
    if (config.outboxTopic) {
      await outbox!.publish(manager, config.outboxTopic, {
        key: message.account,
        value: { id: message.id, account: message.account, amount: message.amount },
        idempotencyKey: outboxKeyOf(message.id),
      });
    }
    if (config.killInHandlerAt === nth) {
      print(`KILL in-handler ${at.idempotencyKey}`);
      process.kill(process.pid, 'SIGKILL');
    }
    if (attempt === 1 && failsTransiently(at.idempotencyKey, config.transientFailurePercent ?? 0)) {
      throw new Error(`injected transient failure of ${at.idempotencyKey}`);
    }
  }

  @Injectable()
  class FaultLedger {
    @AtLeastOnceHandler({ topics: [config.topic], processing: config.processing, retry: RETRY })
    @Idempotent()
    async credit(@Payload() message: FaultMessage, @Ctx() context: ReliableKafkaContext) {
      await creditWithHooks(message, context, context.attempt, context.entityManager);
    }
  }

  // The same ledger as a batch handler: the same writes per credit, one transaction per call (a
  // failing credit fails the call; the library redoes its records one per call).
  @Injectable()
  class FaultLedgerBatch {
    @AtLeastOnceBatchHandler({
      topics: [config.topic],
      maxRecords: config.batchHandlerRecords ?? 50,
      retry: RETRY,
    })
    @Idempotent()
    async credit(@Payload() messages: FaultMessage[], @Ctx() batch: ReliableKafkaBatchContext) {
      for (let i = 0; i < messages.length; i++) {
        await creditWithHooks(messages[i], batch.records[i], batch.attempt, batch.entityManager);
      }
    }
  }

  @Injectable()
  class ShutdownReporter implements OnApplicationShutdown {
    onApplicationShutdown(signal?: string) {
      print(`CLOSED ${signal ?? ''}`.trim());
    }
  }

  @Module({
    imports: [
      ...(config.healthEveryMs ? [TerminusModule.forRoot({ logger: false })] : []),
      ReliableKafkaModule.forRoot({
        client: testClientOptions(config.brokers, `fault-worker-${process.pid}`, {
          retry: { retries: 10, maxRetryTime: 5_000 },
        }),
        consumer: {
          groupId: config.groupId,
          ...groupTimings({
            heartbeatInterval: config.heartbeatInterval ?? 500,
            sessionTimeout: config.sessionTimeout ?? 6_000,
          }),
          rebalanceTimeout: 20_000,
          maxBytesPerPartition: 64 * 1024,
          partitionsConsumedConcurrently: config.partitionsConsumedConcurrently ?? 4,
        },
        dataSource,
        commit: config.commit ?? { strategy: 'periodic', everyRecords: 50, everyMs: 500 },
        shutdownTimeoutMs: 10_000,
        ...(config.outboxTopic && {
          producer: { outbox: { enabled: true, createTable: true, pollIntervalMs: 100 } },
        }),
        // Started below, once the event listeners (and the hook point) are attached.
        autoStart: false,
      }),
    ],
    providers: [
      config.batchHandlerRecords ? FaultLedgerBatch : FaultLedger,
      ShutdownReporter,
      ...(config.healthEveryMs ? [ReliableKafkaHealthIndicator] : []),
    ],
  })
  class FaultWorkerModule {}

  const app = await NestFactory.createApplicationContext(FaultWorkerModule, { logger: ['error'] });
  app.enableShutdownHooks();
  if (config.outboxTopic) outbox = app.get(OutboxService);
  const events = app.get(ReliableKafkaEvents);
  const where = (e: { idempotencyKey?: string; record: { partition: number; offset: string } }) =>
    `${e.idempotencyKey ?? '-'} ${e.record.partition} ${e.record.offset}`;
  events.on('processed', (e) => {
    print(`P ${where(e)} ${Date.now()}`);
    committed++;
    if (config.killAfterCommitAt === committed) {
      // The hook point: effect and dedup record are committed, the offset is not.
      print(`KILL after-commit ${e.idempotencyKey}`);
      process.kill(process.pid, 'SIGKILL');
    }
  });
  events.on('duplicate', (e) => print(`D ${where(e)}`));
  events.on('dead-lettered', (e) => print(`L ${where(e)}`));
  events.on('retry', (e) => print(`R ${e.idempotencyKey ?? '-'} ${e.reason}`));
  await app.get(ReliableKafkaConsumers).start();
  if (config.healthEveryMs)
    reportHealth(app.get(ReliableKafkaHealthIndicator), config.healthEveryMs);
  print('READY');
}

/** An `H` line per period: `H up`, or `H down` and the first problem the indicator names. */
function reportHealth(indicator: ReliableKafkaHealthIndicator, everyMs: number): void {
  const timer = setInterval(() => {
    // Commits stalled 5 s count: two nodes stay down 15 s in the cluster scenario, plus restarts.
    const options = { timeoutMs: Math.min(everyMs, 3_000), commitStalledAfterMs: 5_000 };
    void indicator.isHealthy('kafka', options).then(
      (result) => {
        const verdict = result.kafka as { status: string; problems?: string[] };
        process.stdout.write(
          verdict.status === 'up'
            ? `H up ${Date.now()}\n`
            : `H down ${Date.now()} ${(verdict.problems ?? []).join('; ')}\n`,
        );
      },
      (error: unknown) =>
        process.stdout.write(`H down ${Date.now()} the check failed: ${String(error)}\n`),
    );
  }, everyMs);
  timer.unref();
}

// The suite imports the types and failsTransiently() from here: run only as the child process.
if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
