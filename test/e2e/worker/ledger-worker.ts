/**
 * A consumer process for the end-to-end and fault tests: ReliableKafkaModule with one ledger
 * handler, configured by RK_WORKER_CONFIG (JSON). It prints one line per event the tests watch.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource, type DataSourceOptions } from 'typeorm';
import {
  AtLeastOnceBatchHandler,
  AtLeastOnceHandler,
  Ctx,
  Idempotent,
  Payload,
  ReliableKafkaBatchContext,
  ReliableKafkaContext,
  ReliableKafkaEvents,
  ReliableKafkaModule,
  type CommitStrategy,
} from '@reliable-kafka/nestjs';
import { applyCredit, type Credit } from '../../support/ledger/credit';
import { LEDGER_ENTITIES } from '../../support/ledger/ledger.entities';
import { groupTimings, testClientOptions } from '../../support/test-client';

export interface WorkerConfig {
  brokers: string[];
  topic: string;
  groupId: string;
  db: DataSourceOptions;
  commit?: CommitStrategy;
  partitionsConsumedConcurrently?: number;
  /** `batch`: an @AtLeastOnceBatchHandler applies each chunk in one transaction. Default per-record. */
  handler?: 'per-record' | 'batch';
  /** SIGKILL this process right after the transaction of this key committed (before the offset commit). */
  killAfterCommitOf?: string;
  /** Created before the kill, so that a restarted worker does not kill itself again. */
  killMarkerFile?: string;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.RK_WORKER_CONFIG ?? '') as WorkerConfig;
  const dataSource = new DataSource({
    ...config.db,
    entities: LEDGER_ENTITIES,
    synchronize: false,
  } as DataSourceOptions);
  await dataSource.initialize();

  @Injectable()
  class Ledger {
    @AtLeastOnceHandler(config.topic)
    @Idempotent()
    async credit(@Payload() credit: Credit, @Ctx() context: ReliableKafkaContext) {
      await applyCredit(context.entityManager, credit, context);
    }
  }

  @Injectable()
  class BatchLedger {
    @AtLeastOnceBatchHandler({ topics: config.topic })
    @Idempotent()
    async credits(@Payload() credits: Credit[], @Ctx() batch: ReliableKafkaBatchContext) {
      for (const [i, credit] of credits.entries())
        await applyCredit(batch.entityManager, credit, batch.records[i]);
    }
  }

  /** Prints after Nest's shutdown hooks ran: the consumers have drained, committed and left. */
  @Injectable()
  class ShutdownReporter implements OnApplicationShutdown {
    onApplicationShutdown(signal?: string) {
      console.log(`CLOSED ${signal ?? ''}`.trim());
    }
  }

  @Module({
    imports: [
      ReliableKafkaModule.forRoot({
        client: testClientOptions(config.brokers, `worker-${process.pid}`),
        consumer: {
          groupId: config.groupId,
          ...groupTimings({ heartbeatInterval: 500, sessionTimeout: 10_000 }),
          partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
        },
        dataSource,
        commit: config.commit,
        shutdownTimeoutMs: 10_000,
      }),
    ],
    providers: [config.handler === 'batch' ? BatchLedger : Ledger, ShutdownReporter],
  })
  class WorkerModule {}

  const app = await NestFactory.createApplicationContext(WorkerModule, {
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  const events = app.get(ReliableKafkaEvents);
  events.on('processed', (e) => {
    if (
      e.idempotencyKey === config.killAfterCommitOf &&
      config.killMarkerFile &&
      !fs.existsSync(config.killMarkerFile)
    ) {
      fs.writeFileSync(config.killMarkerFile, String(process.pid));
      // The test hook point: the transaction (effect + dedup record) is committed, the offset is not.
      process.kill(process.pid, 'SIGKILL');
    }
  });
  events.on('duplicate', (e) => console.log(`DUPLICATE ${e.idempotencyKey}`));
  events.on('dead-lettered', (e) =>
    console.log(`DEAD-LETTERED ${e.idempotencyKey ?? e.record.offset}`),
  );
  console.log('READY');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
