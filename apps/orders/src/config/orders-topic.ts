/**
 * The orders topic. Read from the environment when this file is imported, not through DI:
 * handler topics are decorator arguments (`@AtLeastOnceHandler(ORDERS_TOPIC)`), and decorators are
 * evaluated when their class is loaded, before any Nest provider exists.
 */
export const ORDERS_TOPIC = process.env.ORDERS_TOPIC || 'orders';
