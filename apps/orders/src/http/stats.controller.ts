import { Controller, Get } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DeliveryStats, type HandlerStats, ReliableKafkaConsumers } from '@reliable-kafka/nestjs';
import type { DataSource } from 'typeorm';
import { Account } from '../db/account.entity';
import { DeadLetter } from '../db/dead-letter.entity';
import { Order } from '../db/order.entity';

@Controller('stats')
export class StatsController {
  constructor(
    private readonly stats: DeliveryStats,
    private readonly consumers: ReliableKafkaConsumers,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /**
   * `delivery`: what this process did since it started (the library keeps the counters in memory).
   * `counts`: what the database holds, whatever process wrote it.
   */
  @Get()
  async get(): Promise<{
    delivery: HandlerStats;
    handlers: Record<string, HandlerStats>;
    counts: { accounts: number; orders: number; deadLetters: number };
  }> {
    const [accounts, orders, deadLetters] = await Promise.all([
      this.db.getRepository(Account).count(),
      this.db.getRepository(Order).count(),
      this.db.getRepository(DeadLetter).count(),
    ]);
    return {
      delivery: this.stats.get(),
      handlers: Object.fromEntries(this.consumers.handlerIds.map((id) => [id, this.stats.get(id)])),
      counts: { accounts, orders, deadLetters },
    };
  }
}
