import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { type TestAppOptions, testAppModule } from '../test-app';

export type HttpTestAppOptions = TestAppOptions;

/** A Nest HTTP application with ReliableKafkaModule, listening on a free port of 127.0.0.1. */
export async function startHttpTestApp(
  opts: HttpTestAppOptions,
): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports: [testAppModule(opts)] }).compile();
  const app = moduleRef.createNestApplication({
    logger: process.env.RK_TEST_LOG ? undefined : false,
  });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** The value of one sample of a Prometheus text exposition, or undefined when absent. */
export function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      found[pair[1]] = pair[2];
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[4]);
  }
  return undefined;
}
