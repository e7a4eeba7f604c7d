import { Injectable, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import {
  AtLeastOnceHandler,
  Ctx,
  Idempotent,
  Payload,
  ReliableKafkaContext,
  ReliableKafkaModule,
  createDedupTableMigration,
} from '@reliable-kafka/nestjs';

interface OrderPlaced {
  orderId: string;
  accountId: string;
  amount: number;
}

@Injectable()
export class OrdersHandler {
  @AtLeastOnceHandler('orders')
  @Idempotent((message) => message.payload.orderId)
  async onOrder(@Payload() order: OrderPlaced, @Ctx() ctx: ReliableKafkaContext) {
    const db: EntityManager = ctx.entityManager; // the same transaction as the dedup record
    await db.query('UPDATE accounts SET balance = balance + $1 WHERE id = $2', [
      order.amount,
      order.accountId,
    ]);
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: process.env.DATABASE_URL,
      migrations: [createDedupTableMigration()],
      migrationsRun: true,
    }),
    ReliableKafkaModule.forRoot({
      client: { brokers: ['127.0.0.1:9092'] },
      consumer: { groupId: 'billing' },
    }),
  ],
  providers: [OrdersHandler],
})
export class BillingModule {}
