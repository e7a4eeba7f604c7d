import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Controller, Get, Injectable, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import {
  AtLeastOnceHandler,
  Ctx,
  DeliveryStats,
  Payload,
  ReliableKafkaContext,
} from '@reliable-kafka/nestjs';
import { ReliableKafkaHealthIndicator } from '@reliable-kafka/nestjs/health';
import { Kafka, logLevel } from 'kafkajs';
import { killBroker, startBroker, stopBroker } from '../../tools/kafka/kafka-broker';
import { eventually, uniqueName } from '../support/kafka';
import { applyCredit, type Credit, creditMessage } from '../support/ledger/credit';
import { createLedgerDatabase } from '../support/ledger/ledger-database';
import type { TestDatabase } from '../support/db/test-database';
import { startHttpTestApp } from '../support/observability/http-app';

@Controller()
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kafka: ReliableKafkaHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.kafka.isHealthy('reliable-kafka', { timeoutMs: 2_000 })]);
  }
}

/**
 * Stops a broker, so it runs its OWN broker in a separate home folder: the shared broker other
 * suites use is never touched.
 */
describe('observability: terminus health indicator (sqlite, own broker)', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-health-broker-'));
  let ownBrokers: string[] = [];
  let db: TestDatabase;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    const started = await startBroker({ home });
    ownBrokers = started.brokers.split(',');
    db = await createLedgerDatabase('sqlite');
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await stopBroker({ home });
    fs.rmSync(home, { recursive: true, force: true });
  }, 120_000);

  it('is healthy while the broker runs, unhealthy when it is stopped, healthy again after it restarts', async () => {
    const topic = uniqueName('credits');

    @Injectable()
    class Credits {
      @AtLeastOnceHandler({ topics: topic })
      async credit(@Payload() credit: Credit, @Ctx() ctx: ReliableKafkaContext) {
        await applyCredit(ctx.entityManager, credit, ctx);
      }
    }

    const started = await startHttpTestApp({
      db,
      brokers: ownBrokers,
      imports: [TerminusModule.forRoot({ logger: false })],
      providers: [Credits, ReliableKafkaHealthIndicator],
      controllers: [HealthController],
      options: { topics: { create: true } },
    });
    app = started.app;
    const health = async () => {
      const response = await fetch(`${started.url}/health`);
      return {
        status: response.status,
        body: (await response.json()) as {
          details: Record<string, unknown>;
          error: Record<string, unknown>;
        },
      };
    };

    const producer = new Kafka({ brokers: ownBrokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [creditMessage({ id: 'h-1', account: uniqueName('a'), amount: 1 })],
    });
    await producer.disconnect();
    await eventually(() => app!.get(DeliveryStats).get().processed === 1, 'first record processed');

    let last = await health();
    await eventually(
      async () => (last = await health()).status === 200,
      'healthy at start',
      30_000,
    );
    expect(last.body.details['reliable-kafka']).toMatchObject({
      status: 'up',
      broker: 'up',
      database: 'up',
    });

    await killBroker('SIGKILL', { home });
    await eventually(
      async () => (last = await health()).status === 503,
      'unhealthy with the broker down',
      60_000,
    );
    expect(last.body.error['reliable-kafka']).toMatchObject({
      status: 'down',
      broker: 'down',
      database: 'up',
    });

    await startBroker({ home });
    await eventually(
      async () => (last = await health()).status === 200,
      'healthy again after the restart',
      120_000,
    );
    expect(last.body.details['reliable-kafka']).toMatchObject({
      status: 'up',
      broker: 'up',
      database: 'up',
    });
  });
});
