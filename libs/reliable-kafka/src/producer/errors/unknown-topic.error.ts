import { ReliableKafkaError } from '../../errors/reliable-kafka.error';

/**
 * The broker does not know the topic, and kept saying so: records to it cannot be delivered until
 * someone creates it, so the send fails at once instead of waiting out the delivery timeout. The
 * library never creates a topic by producing to it (auto-creation is off in its clients, whatever
 * the broker's `auto.create.topics.enable`): create it first (admin, or `topics.create`).
 */
export class UnknownTopicError extends ReliableKafkaError {
  readonly code = 'RK_UNKNOWN_TOPIC';

  constructor(
    readonly topic: string,
    options?: { cause?: unknown },
  ) {
    super(`Topic "${topic}" does not exist on the broker; records to it were not sent`, options);
  }
}
