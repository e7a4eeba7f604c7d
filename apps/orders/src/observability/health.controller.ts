import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { ReliableKafkaHealthIndicator } from '@reliable-kafka/nestjs/health';

/** Readiness: 200 while consumers run, broker and database answer and no partition is stuck; else 503. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kafka: ReliableKafkaHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.kafka.isHealthy('reliable-kafka', { stuckAfterMs: 120_000 }),
    ]);
  }
}
