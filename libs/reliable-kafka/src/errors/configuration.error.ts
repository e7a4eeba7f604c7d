import { ReliableKafkaError } from './reliable-kafka.error';

/** A setting is missing or invalid. Thrown at bootstrap; the message names the setting. */
export class ReliableKafkaConfigurationError extends ReliableKafkaError {
  readonly code: string = 'RK_CONFIGURATION';

  constructor(
    readonly setting: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid ReliableKafka setting "${setting}": ${problem}`, options);
  }
}

/**
 * No broker of `client.brokers` answered at bootstrap (after the client's own retries): wrong
 * addresses, a broker not running, or a network that drops the connection. The message names the
 * addresses tried and what the last attempt failed with.
 */
export class BrokerUnreachableError extends ReliableKafkaConfigurationError {
  override readonly code = 'RK_BROKER_UNREACHABLE';

  constructor(
    readonly brokers: string[] | undefined,
    options: { cause: unknown },
  ) {
    super(
      'client.brokers',
      `no broker could be reached at ${brokers?.length ? brokers.join(', ') : 'the addresses its function gave'} (${innermostMessage(options.cause)}); check the addresses and that the broker is running`,
      options,
    );
  }
}

/** The message of the deepest wrapped error: kafkajs's outer ones only say that retries ran out. */
function innermostMessage(error: unknown): string {
  let current = error as { message?: string; cause?: unknown; originalError?: unknown } | undefined;
  let message = String(current?.message ?? error);
  for (let depth = 0; current && depth < 6; depth++) {
    if (current.message) message = current.message;
    current = (current.cause ?? current.originalError) as typeof current;
  }
  return message;
}
