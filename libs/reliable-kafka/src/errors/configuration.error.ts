import { ReliableKafkaError } from './reliable-kafka.error';

/** A setting is missing or invalid. Thrown at bootstrap; the message names the setting. */
export class ReliableKafkaConfigurationError extends ReliableKafkaError {
  readonly code = 'RK_CONFIGURATION';

  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`Invalid ReliableKafka setting "${setting}": ${problem}`);
  }
}
