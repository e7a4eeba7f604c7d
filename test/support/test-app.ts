import {
  type DynamicModule,
  type INestApplicationContext,
  Module,
  type Provider,
  type Type,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  ReliableKafkaModule,
  type ReliableKafkaModuleOptions,
} from '../../libs/reliable-kafka/src';
import type { TestDatabase } from './db/test-database';
import { brokers, uniqueName } from './kafka';
import { groupTimings, testClientOptions } from './test-client';

export interface TestAppOptions {
  db: TestDatabase;
  providers?: Provider[];
  controllers?: Type[];
  imports?: Array<Type | DynamicModule>;
  groupId?: string;
  /** The broker's address; default the run's broker. */
  brokers?: string[];
  options?: Partial<ReliableKafkaModuleOptions>;
}

/** The app module of a test: ReliableKafkaModule with fast test timings, and the test's providers. */
export function testAppModule(opts: TestAppOptions): Type {
  @Module({
    imports: [
      ...(opts.imports ?? []),
      ReliableKafkaModule.forRoot({
        client: testClientOptions(opts.brokers ?? brokers(), uniqueName('app')),
        consumer: {
          groupId: opts.groupId ?? uniqueName('group'),
          ...groupTimings({ heartbeatInterval: 500, sessionTimeout: 10_000 }),
        },
        dataSource: opts.db.dataSource,
        dedup: { createTable: true },
        handlerDefaults: { retry: { backoff: { type: 'fixed', delayMs: 50 } } },
        shutdownTimeoutMs: 10_000,
        ...opts.options,
      }),
    ],
    providers: opts.providers ?? [],
    controllers: opts.controllers ?? [],
  })
  class TestAppModule {}
  return TestAppModule;
}

/** A Nest application context with ReliableKafkaModule on the real broker and the given database. */
export async function startTestApp(opts: TestAppOptions): Promise<INestApplicationContext> {
  const builder = Test.createTestingModule({ imports: [testAppModule(opts)] });
  // Quiet by default; RK_TEST_LOG=1 shows the library's and kafkajs's log lines.
  if (!process.env.RK_TEST_LOG)
    builder.setLogger({ log() {}, warn() {}, error() {}, debug() {}, verbose() {} } as never);
  const moduleRef = await builder.compile();
  await moduleRef.init();
  return moduleRef;
}
