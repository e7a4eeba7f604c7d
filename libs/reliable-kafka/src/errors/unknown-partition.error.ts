import { ReliableKafkaError } from './reliable-kafka.error';

/**
 * A record named a partition its topic does not have, or the producer's client skipped its
 * partition (kafkajs leaves out of a produce request any partition missing from its own metadata,
 * and reports nothing for it). The record was not written. Each record of a send is settled on
 * its own: the other records of the send (other callers' records in the same batch) are written
 * and resolve, and only the records of this partition fail with it.
 *
 * Not retried: a partition beyond the topic's count appears only when someone adds partitions,
 * and the client looks at its partition list again only at its next metadata refresh, so another
 * attempt within the delivery timeout would mostly delay the error. Callers that must not lose
 * the record keep it: the consumers' dead-letter and retry-topic writes leave the offset
 * uncommitted and try again with their back-off.
 */
export class UnknownPartitionError extends ReliableKafkaError {
  readonly code = 'RK_UNKNOWN_PARTITION';

  constructor(
    readonly topic: string,
    readonly partition: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Partition ${String(partition)} of topic "${topic}" does not exist or is not known to the producer yet; records to it were not written`,
      options,
    );
  }
}
