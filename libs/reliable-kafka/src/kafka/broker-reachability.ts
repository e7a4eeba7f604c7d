import type { KafkaConfig } from 'kafkajs';
import { BrokerUnreachableError } from '../errors/configuration.error';
import { isTransientKafkaError } from './kafkajs/kafkajs-errors';

/**
 * Runs the first work of a bootstrap against the brokers: a failure to connect (after the client's
 * own retries) becomes BrokerUnreachableError, naming `client.brokers` and the addresses, instead
 * of kafkajs's bare `KafkaJSNumberOfRetriesExceeded` ("Closed connection", no address). Other
 * errors (authentication, a missing topic) pass through as they are.
 */
export async function withBrokers<T>(
  brokers: KafkaConfig['brokers'],
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isTransientKafkaError(error)) throw error;
    throw new BrokerUnreachableError(Array.isArray(brokers) ? brokers : undefined, {
      cause: error,
    });
  }
}
