import { ORDERS_GROUP_ID } from './orders-group';
import { ORDERS_TOPIC } from './orders-topic';

/** The account-totals handler reads the orders topic in a consumer group of its own... */
export function accountTotalsGroupId(ordersGroupId: string): string {
  return `${ordersGroupId}-account-totals`;
}

/** ...so it keeps its own offsets, and its own dead-letter topic. */
export function accountTotalsDeadLetterTopic(ordersTopic: string): string {
  return `${ordersTopic}.account-totals.dlq`;
}

// Decorator arguments exist before any Nest provider does: computed at import.
export const ACCOUNT_TOTALS_GROUP_ID = accountTotalsGroupId(ORDERS_GROUP_ID);
export const ACCOUNT_TOTALS_DEAD_LETTER_TOPIC = accountTotalsDeadLetterTopic(ORDERS_TOPIC);
