/**
 * An outbox relay process for the e2e tests: ReliableKafkaModule with the relay on, configured by
 * RK_WORKER_CONFIG (JSON). With `killAfterProduced`, it SIGKILLs itself right after the first
 * batch to that topic is acknowledged by the broker and before the rows are marked sent.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ReliableKafkaEvents, ReliableKafkaModule } from '@reliable-kafka/nestjs';
import { testClientOptions } from '../../support/test-client';

export interface OutboxRelayWorkerConfig {
  brokers: string[];
  db: DataSourceOptions;
  batchSize: number;
  /** SIGKILL this process once a batch to this topic was published (before it is marked sent). */
  killAfterProduced?: string;
  /** Created before the kill, so that a restarted worker does not kill itself again. */
  killMarkerFile?: string;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.RK_WORKER_CONFIG ?? '') as OutboxRelayWorkerConfig;
  const dataSource = new DataSource({ ...config.db, synchronize: false } as DataSourceOptions);
  await dataSource.initialize();

  @Module({
    imports: [
      ReliableKafkaModule.forRoot({
        client: testClientOptions(config.brokers, `relay-${process.pid}`),
        consumer: { groupId: `relay-${process.pid}` },
        dataSource,
        producer: { outbox: { enabled: true, pollIntervalMs: 100, batchSize: config.batchSize } },
      }),
    ],
  })
  class RelayModule {}

  const app = await NestFactory.createApplicationContext(RelayModule, {
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  app.get(ReliableKafkaEvents).on('produced', (e) => {
    console.log(`PRODUCED ${e.topic} ${e.count}`);
    if (
      e.topic === config.killAfterProduced &&
      config.killMarkerFile &&
      !fs.existsSync(config.killMarkerFile)
    ) {
      fs.writeFileSync(config.killMarkerFile, String(process.pid));
      // Mid-publish: the broker has the records, the outbox rows are not marked sent.
      process.kill(process.pid, 'SIGKILL');
    }
  });
  console.log('READY');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
