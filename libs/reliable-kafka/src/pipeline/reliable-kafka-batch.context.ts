import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import type { BatchHandlerTransaction } from './handler-transaction';
import type { DeliveryOutcome } from './reliable-kafka.context';
import { TransactionBoundContext } from './transaction-bound.context';

/** One record of a batch as a batch handler sees it. */
export interface ReliableKafkaBatchRecord<TPayload = unknown> {
  payload: TPayload;
  key: string | null;
  headers: Record<string, string | undefined>;
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  idempotencyKey: string;
  /** The record as received (raw key, value and header bytes). */
  record: KafkaMessageRecord;
}

/**
 * What an `@AtLeastOnceBatchHandler` receives with `@Ctx()`: the records it is to apply (only those
 * whose dedup record is new, in offset order, one partition) and the transaction's `EntityManager`,
 * which holds their dedup records too: the handler's writes commit or roll back with them.
 */
export class ReliableKafkaBatchContext<TPayload = unknown> extends TransactionBoundContext {
  private current: ReliableKafkaBatchRecord<TPayload>[];
  /** @internal the outcome of each record given at construction, by index */
  readonly outcomes: DeliveryOutcome[];
  /**
   * @internal the handler's payload argument. The same array object throughout, narrowed in place
   * to the new records by the idempotency step, so the handler sees the narrowed list whether its
   * parameters are decorated or not.
   */
  readonly payloads: TPayload[];

  constructor(
    /** Every record of the chunk, duplicates included (they are reported, not passed). */
    readonly delivered: readonly ReliableKafkaBatchRecord<TPayload>[],
    readonly handlerId: string,
    readonly groupId: string,
    /** 1 for a chunk; when a chunk is redone record by record, that record's attempt. */
    readonly attempt: number,
    /** @internal the transaction and dedup steps the interceptors run */
    readonly transaction: BatchHandlerTransaction,
  ) {
    super();
    this.current = [...delivered];
    this.outcomes = delivered.map(() => 'pending');
    this.payloads = delivered.map((r) => r.payload);
  }

  /** The records passed to the handler: those not seen before, first occurrence of each key. */
  get records(): readonly ReliableKafkaBatchRecord<TPayload>[] {
    return this.current;
  }

  get topic(): string {
    return this.delivered[0].topic;
  }

  get partition(): number {
    return this.delivered[0].partition;
  }

  /** @internal keeps the records whose dedup record was inserted; the others are duplicates. */
  narrow(isNew: (record: ReliableKafkaBatchRecord<TPayload>, index: number) => boolean): void {
    const kept: ReliableKafkaBatchRecord<TPayload>[] = [];
    this.delivered.forEach((record, i) => {
      const fresh = isNew(record, i);
      this.outcomes[i] = fresh ? 'processed' : 'duplicate';
      if (fresh) kept.push(record);
    });
    this.current = kept;
    this.payloads.length = 0;
    this.payloads.push(...kept.map((r) => r.payload));
  }
}
