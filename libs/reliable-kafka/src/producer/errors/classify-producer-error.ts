import { DeliveryTimeoutError } from './delivery-timeout.error';
import { ReliableKafkaError } from '../../errors/reliable-kafka.error';
import type { ProducerErrorKind } from '../../kafka/port/producer-client';
import { ProducerFatalError, RecordTooLargeError } from './producer.errors';

/**
 * Turns what a send failed with into one of the library's typed errors, as the reference's
 * producer error table does: retriable errors exhausted by the delivery timeout are
 * DeliveryTimeoutError; a record over `message.max.bytes` is RecordTooLargeError; any other
 * non-retriable error is ProducerFatalError. Typed errors pass through unchanged.
 */
export function classifyProducerError(
  error: unknown,
  topic: string,
  kindOf: (error: unknown) => ProducerErrorKind | undefined,
  sizeBytes?: number,
  deliveryTimeoutMs = 0,
): ReliableKafkaError {
  if (error instanceof ReliableKafkaError) return error;
  const kind = kindOf(error);
  if (kind === 'too-large') return new RecordTooLargeError(topic, sizeBytes, { cause: error });
  if (kind === 'transient')
    return new DeliveryTimeoutError(topic, deliveryTimeoutMs, { cause: error });
  if (kind === 'fatal') return new ProducerFatalError(topic, { cause: error });
  // A retriable error that still escaped the client's own retries: the delivery budget is spent.
  return new DeliveryTimeoutError(topic, deliveryTimeoutMs, { cause: error });
}
