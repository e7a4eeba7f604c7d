/**
 * The app of the packaged-app test (packaged-app.e2e-spec.ts), copied into a throwaway project
 * outside the repository and compiled there with plain `tsc` against the packed library: one
 * ledger handler, `/health` from '@reliable-kafka/nestjs/health' and `/metrics` from prom-client's
 * default registry (the app's copy, which the library registers in). No relative imports, so the
 * same file builds as CommonJS (Nest 11) and as an ES module (Nest 12).
 * Configured by RK_APP_CONFIG (JSON, PackagedAppConfig); prints `LISTENING <port>` when ready.
 */
import 'reflect-metadata';
import { Controller, Get, Header, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  AtLeastOnceHandler,
  Ctx,
  Idempotent,
  Payload,
  ReliableKafkaContext,
  ReliableKafkaModule,
  createDedupTableMigration,
} from '@reliable-kafka/nestjs';
import { ReliableKafkaHealthIndicator } from '@reliable-kafka/nestjs/health';
import { register } from 'prom-client';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export interface PackagedAppConfig {
  brokers: string[];
  topic: string;
  groupId: string;
  database: { type: 'postgres'; url: string } | { type: 'better-sqlite3'; database: string };
}

interface Credit {
  id: string;
}

/** One row per application of a message's effect: no unique key, so a double apply shows as 2 rows. */
@Entity('effects')
export class Effect {
  @PrimaryGeneratedColumn()
  seq!: number;

  @Column({ name: 'message_id', type: 'varchar', length: 100 })
  messageId!: string;
}

const config = JSON.parse(process.env.RK_APP_CONFIG ?? '{}') as PackagedAppConfig;

@Injectable()
export class Ledger {
  @AtLeastOnceHandler(config.topic)
  @Idempotent((message) => (message.payload as Credit).id)
  async credit(@Payload() credit: Credit, @Ctx() ctx: ReliableKafkaContext): Promise<void> {
    await ctx.entityManager.insert(Effect, { messageId: credit.id });
  }
}

@Controller()
export class OpsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kafka: ReliableKafkaHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.kafka.isHealthy('reliable-kafka')]);
  }

  @Get('metrics')
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({
      ...config.database,
      entities: [Effect],
      synchronize: true,
      migrations: [createDedupTableMigration()],
      migrationsRun: true,
    }),
    ReliableKafkaModule.forRoot({
      client: { brokers: config.brokers, clientId: 'packaged-app' },
      consumer: { groupId: config.groupId, heartbeatInterval: 500, sessionTimeout: 10_000 },
    }),
    TerminusModule,
  ],
  controllers: [OpsController],
  providers: [Ledger, ReliableKafkaHealthIndicator],
})
export class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  process.stdout.write(`LISTENING ${address.port}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
