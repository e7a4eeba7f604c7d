import { Injectable, ValidationPipe } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  Ctx,
  Idempotent,
  Payload,
  ReliableKafkaContext,
} from '@reliable-kafka/nestjs';
import { ORDERS_TOPIC } from '../config/orders-topic';
import { Account } from '../db/account.entity';
import { Order } from '../db/order.entity';
import { OrderPlaced } from '../kafka/order-placed.message';

/**
 * Applies orders: credits the account and records the order.
 *
 * The credit is deliberately NOT idempotent (`balance = balance + amount`): run twice, it counts
 * twice. It is safe because the library inserts the dedup record (handler, orderId) first, in the
 * same transaction as these writes: a resent or redelivered order hits the dedup record's unique
 * key and the method is not called; a failure here rolls back the writes and the dedup record.
 */
@Injectable()
export class OrdersConsumer {
  @AtLeastOnceHandler(ORDERS_TOPIC)
  // The key is in the payload, so it also deduplicates orders resent by a producer without the header.
  @Idempotent((m) => (m.payload as Partial<OrderPlaced> | null)?.orderId)
  async onOrderPlaced(
    // A record that fails validation is rejected with a 400 error, which the library treats as
    // non-retriable: it goes to the dead-letter topic at once instead of blocking its partition.
    @Payload(new ValidationPipe({ whitelist: true })) order: OrderPlaced,
    @Ctx() ctx: ReliableKafkaContext,
  ): Promise<void> {
    const db = ctx.entityManager;
    await db
      .createQueryBuilder()
      .insert()
      .into(Account)
      .values({ id: order.accountId, balance: 0 })
      .orIgnore()
      .execute();
    await db.increment(Account, { id: order.accountId }, 'balance', order.amount);
    await db.insert(Order, { id: order.orderId, accountId: order.accountId, amount: order.amount });
  }
}
