import { ORDERS_TOPIC } from './orders-topic';

/**
 * The account-totals handler reads the orders topic in a consumer group of its own, so it keeps
 * its own offsets and its own dead-letter topic. Read from the environment at import, as
 * ORDERS_TOPIC is: decorator arguments exist before any Nest provider does.
 */
export const ACCOUNT_TOTALS_GROUP_ID = `${process.env.ORDERS_GROUP_ID || 'orders-app'}-account-totals`;
export const ACCOUNT_TOTALS_DEAD_LETTER_TOPIC = `${ORDERS_TOPIC}.account-totals.dlq`;
