/**
 * The app's consumer group id. Read from the environment at import, as ORDERS_TOPIC is: the
 * account-totals handler's group is named after it in a decorator argument.
 */
export const ORDERS_GROUP_ID = process.env.ORDERS_GROUP_ID || 'orders-app';
