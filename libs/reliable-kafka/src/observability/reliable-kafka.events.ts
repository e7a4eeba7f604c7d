import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';

export interface DeliveryEvent {
  record: KafkaMessageRecord;
  handlerId: string;
  groupId: string;
  idempotencyKey?: string;
  attempt: number;
}

/**
 * What happened to deliveries, as it happens. Listeners run synchronously, in order: `processed`
 * fires after the handler's transaction committed and before its offset is committed.
 */
export interface ReliableKafkaEventMap {
  /**
   * The handler ran and its transaction committed. `durationMs`: from the start of the delivery to
   * the commit; for a record of a batch transaction or batch handler call, the whole run's time.
   */
  processed: [DeliveryEvent & { durationMs: number }];
  /** The key was already processed: the handler was skipped, the offset will be committed. */
  duplicate: [DeliveryEvent];
  /** The delivery failed and will be tried again after `delayMs`. */
  retry: [
    DeliveryEvent & { error: unknown; delayMs: number; reason: 'handler' | 'database-unavailable' },
  ];
  /** The record was written to the dead-letter topic. */
  'dead-lettered': [DeliveryEvent & { error: unknown; deadLetterTopic: string }];
  /** Writing to the dead-letter topic failed; the record stays uncommitted and is retried. */
  'dead-letter-failed': [DeliveryEvent & { error: unknown; deadLetterTopic: string }];
  /** Offsets were committed to the broker. */
  committed: [
    { groupId: string; topic: string; partition: number; offset: string; latencyMs: number },
  ];
  /**
   * These partitions are about to be taken from this member; what finished on them is committed
   * first. Only clients that say so before a rebalance emit it (Confluent's; kafkajs does not).
   */
  revoking: [{ groupId: string; partitions: Record<string, number[]> }];
  /** The group's partitions were (re)assigned. */
  rebalanced: [{ groupId: string; assignment: Record<string, number[]>; durationMs?: number }];
  /** ReliableProducer: records were acknowledged by every in-sync replica. */
  produced: [{ topic: string; count: number; latencyMs: number }];
  /** ReliableProducer: records failed for good (typed error: timeout, too large, serialization...). */
  'produce-failed': [{ topic: string; error: Error }];
  /** A dedup retention round deleted `count` expired records. */
  'dedup-cleaned': [{ count: number }];
}

@Injectable()
export class ReliableKafkaEvents extends EventEmitter<ReliableKafkaEventMap> {}
