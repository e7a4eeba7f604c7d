import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import type { HandlerTransaction } from './handler-transaction';
import { TransactionBoundContext } from './transaction-bound.context';

/** How a delivery ended inside the pipeline. */
export type DeliveryOutcome = 'pending' | 'processed' | 'duplicate';

/**
 * What a handler receives with `@Ctx()`: the record's coordinates, its headers, the attempt number
 * and the transaction's `EntityManager`. Method names follow `KafkaContext` of
 * `@nestjs/microservices`, so handlers moved from the Nest Kafka transport keep working.
 */
export class ReliableKafkaContext<TPayload = unknown> extends TransactionBoundContext {
  /** @internal set by the idempotency step */
  outcome: DeliveryOutcome = 'pending';

  constructor(
    readonly record: KafkaMessageRecord,
    readonly payload: TPayload,
    readonly handlerId: string,
    readonly groupId: string,
    readonly idempotencyKey: string,
    /** 1 on the first delivery to this handler in this process, then 2, 3, ... on retries. */
    readonly attempt: number,
    /** @internal the transaction and dedup steps the interceptors run */
    readonly transaction: HandlerTransaction,
  ) {
    super();
  }

  get topic(): string {
    return this.record.topic;
  }
  get partition(): number {
    return this.record.partition;
  }
  get offset(): string {
    return this.record.offset;
  }
  get key(): string | null {
    return this.record.key === null ? null : this.record.key.toString('utf8');
  }
  get headers(): Record<string, string | undefined> {
    return this.record.headers;
  }
  get timestamp(): string {
    return this.record.timestamp;
  }

  getMessage(): KafkaMessageRecord {
    return this.record;
  }
  getTopic(): string {
    return this.record.topic;
  }
  getPartition(): number {
    return this.record.partition;
  }
}
