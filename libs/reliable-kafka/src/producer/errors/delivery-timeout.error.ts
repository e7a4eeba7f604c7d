import { ReliableKafkaError } from '../../errors/reliable-kafka.error';

/**
 * A record was not acknowledged within the delivery timeout (Kafka's `delivery.timeout.ms`): the
 * broker was unreachable or the topic unwritable for that long. The record may or may not have
 * been written; consumers deduplicating by idempotency key absorb a resend.
 */
export class DeliveryTimeoutError extends ReliableKafkaError {
  readonly code = 'RK_DELIVERY_TIMEOUT';

  constructor(
    readonly topic: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`Records to "${topic}" were not acknowledged within ${timeoutMs} ms`, options);
  }
}
