import { BrokerUnreachableError } from '../errors/configuration.error';
import type { KafkaClientFactory } from './port/client-factory';

/**
 * Runs the first work of a bootstrap against the brokers: a failure to connect (after the client's
 * own retries) becomes BrokerUnreachableError, naming `client.brokers` and the addresses, instead
 * of kafkajs's bare `KafkaJSNumberOfRetriesExceeded` ("Closed connection", no address). Every
 * other error passes through as it is: an authentication failure, a TLS certificate refused, a
 * broker's answer (a missing topic, a request it refused), a request timeout on an open
 * connection, the library's own setting errors. Blaming the addresses for those would send the
 * reader to the wrong setting.
 */
export async function withBrokers<T>(
  brokers: KafkaClientFactory['brokers'],
  isConnectionFailure: (error: unknown) => boolean,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    throw new BrokerUnreachableError(brokers && [...brokers], {
      cause: error,
    });
  }
}
