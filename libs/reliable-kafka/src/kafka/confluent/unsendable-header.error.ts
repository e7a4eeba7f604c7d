import { ReliableKafkaError } from '../../errors/reliable-kafka.error';

/**
 * A record has a header the Confluent client cannot write: one named `__proto__`, which its
 * KafkaJS-style layer assigns to a plain object (so the name sets the object's prototype instead
 * and the header would be lost). Not retried: the record cannot be sent by this client as it is.
 */
export class UnsendableHeaderError extends ReliableKafkaError {
  readonly code = 'RK_UNSENDABLE_HEADER';

  constructor(
    readonly topic: string,
    readonly headerName: string,
  ) {
    super(
      `A record for "${topic}" has a header named "${headerName}", which the Confluent Kafka client cannot send`,
    );
  }
}
