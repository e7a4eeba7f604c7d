import type { HandlerDefinition } from '../discovery/handler-definition';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import type { PartitionState } from './partition-state';

/** One fetched batch of one partition, as a processing mode sees it. */
export interface PartitionRun {
  readonly handler: HandlerDefinition;
  readonly records: KafkaMessageRecord[];
  readonly state: PartitionState;
  /** Shutdown, revocation or a seek: start no new record. */
  shouldStop(): boolean;
  /** These records are done (effect committed, duplicate skipped, or dead-lettered). */
  finished(records: KafkaMessageRecord[]): Promise<void>;
  /** Stop: every unfinished record is fetched again once `delayMs` has passed. */
  retryLater(delayMs: number): void;
}
