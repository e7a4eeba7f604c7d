import * as kafkajs from 'kafkajs';
import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import {
  BrokerUnreachableError,
  ReliableKafkaConfigurationError,
} from '../../errors/configuration.error';
import { withBrokers } from '../broker-reachability';
import { KafkajsAdminClient } from './kafkajs-admin-client';

// Built as kafkajs builds them (its typings omit some constructors and arguments).
const ConnectionClosed = (kafkajs as unknown as Record<string, new (m: string, o: object) => Error>)
  .KafkaJSConnectionClosedError;
const NonRetriable = KafkaJSNonRetriableError as unknown as new (
  e: Error,
  o: { cause: Error },
) => Error;
const SaslFailure = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
const retriesExceeded = (cause: Error) =>
  new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 1_000 });
const connectionError = (message: string, code?: string) =>
  new KafkaJSConnectionError(message, { broker: 'kafka-1:9092', code } as never);

const refused = connectionError(
  'Connection error: connect ECONNREFUSED 10.0.0.1:9092',
  'ECONNREFUSED',
);
const brokers = ['kafka-1:9092', 'kafka-2:9092'];
// The verdict the consumers' bootstrap uses: their kafkajs admin's (no request is made for it).
const admin = new KafkajsAdminClient({} as kafkajs.Admin);
const failWith = (error: unknown) =>
  withBrokers(
    brokers,
    (e) => admin.isConnectionFailure(e),
    () => Promise.reject(error),
  ).catch((e: unknown) => e);

// Beside the adapter: which kafkajs failures are the brokers out of reach.
describe('withBrokers over kafkajs errors', () => {
  it.each([
    ['a refused connection', refused],
    [
      'a name that does not resolve',
      connectionError('Connection error: getaddrinfo ENOTFOUND kafka-1', 'ENOTFOUND'),
    ],
    ['a connection that timed out', connectionError('Connection timeout')],
    [
      'a connection closed',
      new ConnectionClosed('Closed connection', { host: 'kafka-1', port: 9092 }),
    ],
    ['retries exhausted on a refused connection', retriesExceeded(refused)],
    [
      'a refused connection wrapped as non-retriable by nested retriers',
      new NonRetriable(retriesExceeded(refused), { cause: refused }),
    ],
  ])('%s is BrokerUnreachableError naming client.brokers and the addresses', async (_, error) => {
    const unreachable = await failWith(error);
    expect(unreachable).toBeInstanceOf(BrokerUnreachableError);
    expect(unreachable).toMatchObject({ setting: 'client.brokers', brokers, cause: error });
    expect((unreachable as Error).message).toContain('kafka-1:9092, kafka-2:9092');
  });

  it.each([
    [
      'an authentication failure',
      new SaslFailure('SASL PLAIN authentication failed: wrong password'),
    ],
    [
      'an authentication failure wrapped by a retrier',
      (() => {
        const sasl = new SaslFailure('SASL SCRAM SHA256 authentication failed');
        return new NonRetriable(sasl, { cause: sasl });
      })(),
    ],
    [
      'a TLS certificate refused',
      retriesExceeded(
        connectionError('Connection error: self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
      ),
    ],
    [
      'retries exhausted on a broker answer',
      retriesExceeded(
        new KafkaJSProtocolError({
          type: 'LEADER_NOT_AVAILABLE',
          code: 5,
          retriable: true,
          message: 'There is no leader for this topic-partition',
        } as never),
      ),
    ],
    [
      'a request timeout on an open connection',
      retriesExceeded(
        new KafkaJSRequestTimeoutError('Request Metadata(key: 3, version: 6) timed out'),
      ),
    ],
    ['a bad setting', new ReliableKafkaConfigurationError('topics', 'cannot create "orders.dlq"')],
    ['any other error', new TypeError('partitions.map is not a function')],
  ])('%s surfaces as itself', async (_, error) => {
    expect(await failWith(error)).toBe(error);
  });
});
