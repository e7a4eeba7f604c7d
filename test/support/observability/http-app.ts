import { type INestApplication, Module, type Provider, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ReliableKafkaModule, type ReliableKafkaModuleOptions } from '../../../libs/reliable-kafka/src';
import type { TestDatabase } from '../db/test-database';
import { brokers, uniqueName } from '../kafka';

export interface HttpTestAppOptions {
  db: TestDatabase;
  providers?: Provider[];
  controllers?: Type[];
  imports?: Array<Type | import('@nestjs/common').DynamicModule>;
  brokers?: string[];
  options?: Partial<ReliableKafkaModuleOptions>;
}

/** A Nest HTTP application with ReliableKafkaModule, listening on a free port of 127.0.0.1. */
export async function startHttpTestApp(opts: HttpTestAppOptions): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [
      ...(opts.imports ?? []),
      ReliableKafkaModule.forRoot({
        client: { brokers: opts.brokers ?? brokers(), clientId: uniqueName('app') },
        consumer: { groupId: uniqueName('group'), heartbeatInterval: 500, sessionTimeout: 10_000 },
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
  class HttpTestAppModule {}

  const moduleRef = await Test.createTestingModule({ imports: [HttpTestAppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: process.env.RK_TEST_LOG ? undefined : false });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** The value of one sample of a Prometheus text exposition, or undefined when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[pair[1]] = pair[2];
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[4]);
  }
  return undefined;
}
