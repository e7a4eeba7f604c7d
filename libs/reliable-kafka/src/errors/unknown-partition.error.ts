import { ReliableKafkaError } from './reliable-kafka.error';

/**
 * Why a partition was unknown, when the adapter can tell. `not-in-topic`: the broker does not
 * list it; it appears only when someone adds partitions, so the record fails at once.
 * `not-known-to-client`: the broker lists it, but the producer's client has not read the topic
 * since it grew (kafkajs reads its metadata again on its own clock, every 30 s, not when the
 * library reads the topic's partition list) and left the record out of its request, unwritten: a
 * transient failure, so the record alone is sent again within the delivery timeout.
 */
export type UnknownPartitionReason = 'not-in-topic' | 'not-known-to-client';

const WHY = {
  'not-in-topic': 'does not exist',
  'not-known-to-client':
    "is not known to the producer's client yet (the topic grew since it read it)",
  unknown: 'does not exist or is not known to the producer yet',
} as const;

/**
 * A record named a partition its topic does not have, or the producer's client skipped its
 * partition (kafkajs leaves out of a produce request any partition missing from its own metadata,
 * and reports nothing for it). The record was not written. Each record of a send is settled on
 * its own: the other records of the send (other callers' records in the same batch) are written
 * and resolve, and only the records of this partition fail with it.
 *
 * A partition the client does not know yet (`reason` `not-known-to-client`) is tried again until
 * the delivery timeout, which ends in DeliveryTimeoutError caused by this error. Callers that must
 * not lose the record keep it: the consumers' dead-letter and retry-topic writes leave the offset
 * uncommitted and try again with their back-off.
 */
export class UnknownPartitionError extends ReliableKafkaError {
  readonly code = 'RK_UNKNOWN_PARTITION';
  /** Undefined when the adapter cannot tell (the Confluent client's own "unknown partition"). */
  readonly reason?: UnknownPartitionReason;

  constructor(
    readonly topic: string,
    readonly partition: number,
    options?: { cause?: unknown; reason?: UnknownPartitionReason },
  ) {
    super(
      `Partition ${String(partition)} of topic "${topic}" ${WHY[options?.reason ?? 'unknown']}; records to it were not written`,
      options,
    );
    this.reason = options?.reason;
  }
}
