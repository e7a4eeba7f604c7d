import { Logger } from '@nestjs/common';
import type { DedupStore } from '../dedup/dedup-store';
import type { HandlerDefinition } from '../discovery/handler-definition';
import { describeThrown } from '../errors/thrown-value';
import type { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import { extractIdempotencyKey } from '../pipeline/idempotency-key';
import { ReliableKafkaContext } from '../pipeline/reliable-kafka.context';
import type { TransactionScope } from '../pipeline/handler-transaction';
import { callBatchHandler, type PreparedRecord } from './batch-handler-call';
import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import type { MessageProcessor } from './message-processor';
import type { PartitionRun } from './partition-run';
import { processSequentially } from './sequential-processing';

/**
 * One transaction for a run of records: one multi-row dedup insert, then the handler for each
 * record whose key was inserted (a batch handler: once, for all of them), all committed together,
 * then one offset commit. Any failure rolls the run back and redoes it one record per transaction
 * (with the usual retries and dead-letter), so one bad record neither blocks nor doubles the others.
 */
export class BatchTransactionProcessing {
  private readonly logger = new Logger('ReliableKafka');

  constructor(
    private readonly transactions: TransactionScope,
    private readonly dedup: DedupStore,
    private readonly processor: MessageProcessor,
    private readonly events: ReliableKafkaEvents,
  ) {}

  async process(run: PartitionRun, maxRecords: number): Promise<void> {
    // A retry topic's records each wait for their due time: they go one at a time.
    if (run.handler.retryTopics.some((retry) => retry.topic === run.records[0]?.topic)) {
      await processSequentially(run, this.processor);
      return;
    }
    for (let start = 0; start < run.records.length; start += maxRecords) {
      if (run.shouldStop()) return;
      const chunk = run.records.slice(start, start + maxRecords);
      // A record already being retried is past the batch stage: it goes on one at a time.
      const retrying = chunk.some((record) => run.state.deliveries.has(record.offset));
      if (!retrying && (await this.deliverTogether(chunk, run.handler))) {
        chunk.forEach((record) => run.state.tracker.start(record.offset));
        await run.finished(chunk);
        continue;
      }
      if ((await processSequentially(run, this.processor, chunk)) === 'stopped') return;
    }
  }

  /** True when the whole run committed; false when it rolled back (nothing of it is applied). */
  private async deliverTogether(
    records: KafkaMessageRecord[],
    handler: HandlerDefinition,
  ): Promise<boolean> {
    const started = Date.now();
    let prepared: PreparedRecord[];
    try {
      prepared = records.map((record) => {
        const payload = handler.decode(record.value, record);
        return {
          record,
          payload,
          key: extractIdempotencyKey(record, payload, handler.idempotency, handler.id),
        };
      });
    } catch {
      return false; // a poison record: the one-at-a-time path dead-letters it
    }
    let outcomes: ('processed' | 'duplicate')[];
    try {
      outcomes =
        handler.kind === 'batch'
          ? await callBatchHandler(handler, prepared, 1, {
              runner: this.transactions,
              dedup: this.dedup,
            })
          : await this.callPerRecord(prepared, handler);
    } catch (error) {
      this.logger.debug(
        `${handler.id}: batch of ${records.length} rolled back (${describeThrown(error)}); redoing one by one`,
      );
      return false;
    }
    // Every record of the run waited for the whole run: its delivery took that long, not a share of it.
    const durationMs = Date.now() - started;
    const { id: handlerId, groupId } = handler;
    for (let i = 0; i < prepared.length; i++) {
      const { record, key } = prepared[i];
      if (outcomes[i] === 'duplicate')
        this.events.emit('duplicate', {
          record,
          handlerId,
          groupId,
          idempotencyKey: key,
          attempt: 1,
        });
      else
        this.events.emit('processed', {
          record,
          handlerId,
          groupId,
          idempotencyKey: key,
          attempt: 1,
          durationMs,
        });
    }
    return true;
  }

  /** A per-record handler: one transaction and dedup insert around the chunk, each record through its chain. */
  private callPerRecord(
    prepared: PreparedRecord[],
    handler: HandlerDefinition,
  ): Promise<('processed' | 'duplicate')[]> {
    return this.transactions.run(async (manager) => {
      const { topic, partition } = prepared[0].record;
      const inserted = await this.dedup.tryInsertMany(manager, {
        handlerId: handler.id,
        topic,
        partition,
        processedAt: Date.now(),
        entries: prepared.map(({ record, key }) => ({
          idempotencyKey: key,
          offset: record.offset,
        })),
      });
      const ambient = { run: <T>(work: (m: typeof manager) => Promise<T>) => work(manager) };
      const results: ('processed' | 'duplicate')[] = [];
      for (const { record, payload, key } of prepared) {
        // Set.delete: true for the first record of a key only; a repeat within the run is a duplicate.
        const first = inserted.delete(key);
        const context = new ReliableKafkaContext(
          record,
          payload,
          handler.id,
          handler.groupId,
          key,
          1,
          {
            runner: ambient,
            dedup: { tryInsert: async () => first },
            record: {
              handlerId: handler.id,
              idempotencyKey: key,
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
            },
          },
        );
        await handler.invoke(payload, context);
        results.push(context.outcome === 'duplicate' ? 'duplicate' : 'processed');
      }
      return results;
    });
  }
}
