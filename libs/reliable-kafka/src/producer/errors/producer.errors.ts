import { ReliableKafkaError } from '../../errors/reliable-kafka.error';
import { thrownMessage } from '../../errors/thrown-value';

/** The message could not be turned into bytes (e.g. a circular object, a BigInt). Not retried. */
export class SerializationError extends ReliableKafkaError {
  readonly code = 'RK_SERIALIZATION';

  constructor(
    readonly topic: string,
    options?: { cause?: unknown },
  ) {
    super(
      `A message for "${topic}" could not be serialized: ${thrownMessage(options?.cause)}`,
      options,
    );
  }
}

/** The broker refused the record as larger than `message.max.bytes`. Not retried: it cannot succeed. */
export class RecordTooLargeError extends ReliableKafkaError {
  readonly code = 'RK_RECORD_TOO_LARGE';

  constructor(
    readonly topic: string,
    readonly sizeBytes: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `A record for "${topic}"${sizeBytes === undefined ? '' : ` (${sizeBytes} bytes)`} is larger than the broker accepts (message.max.bytes)`,
      options,
    );
  }
}

/** Any other non-retriable failure reported by the broker or the client (authorization, unknown topic...). */
export class ProducerFatalError extends ReliableKafkaError {
  readonly code = 'RK_PRODUCER_FATAL';

  constructor(
    readonly topic: string,
    options?: { cause?: unknown },
  ) {
    super(`Records to "${topic}" failed: ${thrownMessage(options?.cause)}`, options);
  }
}

/** The producer was closed (application shutdown) before the record was sent. */
export class ProducerClosedError extends ReliableKafkaError {
  readonly code = 'RK_PRODUCER_CLOSED';

  constructor(readonly topic: string) {
    super(`The producer is closed; records to "${topic}" were not sent`);
  }
}
