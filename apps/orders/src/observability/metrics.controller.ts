import { Controller, Get, Header } from '@nestjs/common';
import { ReliableKafkaMetrics } from '@reliable-kafka/nestjs';

/** Prometheus scrape endpoint: the library's metrics (and anything else in the same registry). */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ReliableKafkaMetrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.metricsRegistry.metrics();
  }
}
