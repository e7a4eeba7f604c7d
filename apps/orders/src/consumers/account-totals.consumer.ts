import { Injectable, ParseArrayPipe } from '@nestjs/common';
import {
  AtLeastOnceBatchHandler,
  Ctx,
  Idempotent,
  Payload,
  ReliableKafkaBatchContext,
} from '@reliable-kafka/nestjs';
import {
  ACCOUNT_TOTALS_DEAD_LETTER_TOPIC,
  ACCOUNT_TOTALS_GROUP_ID,
} from '../config/account-totals';
import { ORDERS_TOPIC } from '../config/orders-topic';
import { AccountTotal } from '../db/account-total.entity';
import { OrderPlaced } from '../kafka/order-placed.message';

/**
 * Counts each account's orders and sums their amounts: a batch handler. One call gets a run of
 * orders from one partition, in one transaction that also holds their dedup records, and writes
 * once per account of the run instead of once per order.
 *
 * Like the orders handler, its writes are increments (not idempotent on their own): the dedup
 * records make a resent or redelivered order reach this method at most once. An invalid order
 * fails the whole call; the library then redoes the run one order per transaction, so the invalid
 * one alone goes to this handler's dead-letter topic.
 */
@Injectable()
export class AccountTotalsConsumer {
  @AtLeastOnceBatchHandler({
    topics: ORDERS_TOPIC,
    groupId: ACCOUNT_TOTALS_GROUP_ID,
    maxRecords: 200,
    deadLetter: { topic: ACCOUNT_TOTALS_DEAD_LETTER_TOPIC },
  })
  @Idempotent((m) => (m.payload as Partial<OrderPlaced> | null)?.orderId)
  async onOrdersPlaced(
    @Payload(new ParseArrayPipe({ items: OrderPlaced, whitelist: true })) orders: OrderPlaced[],
    @Ctx() batch: ReliableKafkaBatchContext,
  ): Promise<void> {
    const perAccount = new Map<string, { count: number; amount: number }>();
    for (const order of orders) {
      const sum = perAccount.get(order.accountId) ?? { count: 0, amount: 0 };
      sum.count += 1;
      sum.amount += order.amount;
      perAccount.set(order.accountId, sum);
    }
    const db = batch.entityManager;
    for (const [accountId, { count, amount }] of perAccount) {
      await db
        .createQueryBuilder()
        .insert()
        .into(AccountTotal)
        .values({ accountId, orderCount: 0, amountTotal: 0 })
        .orIgnore()
        .execute();
      await db
        .createQueryBuilder()
        .update(AccountTotal)
        .set({
          orderCount: () => 'order_count + :count',
          amountTotal: () => 'amount_total + :amount',
        })
        .where('account_id = :accountId', { accountId, count, amount })
        .execute();
    }
  }
}
