import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ReliableKafkaHealthIndicator } from '@reliable-kafka/nestjs/health';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';

/** `/metrics` (Prometheus) and `/health` (terminus) of the orders app. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' })],
  controllers: [MetricsController, HealthController],
  providers: [ReliableKafkaHealthIndicator],
})
export class ObservabilityModule {}
