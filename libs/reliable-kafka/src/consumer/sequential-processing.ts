import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import type { MessageProcessor } from './message-processor';
import type { PartitionRun } from './partition-run';

/** One record at a time, in offset order: the default mode, and the fallback of the others. */
export async function processSequentially(
  run: PartitionRun,
  processor: MessageProcessor,
  records: KafkaMessageRecord[] = run.records,
): Promise<'done' | 'stopped'> {
  for (const record of records) {
    if (run.shouldStop()) return 'stopped';
    run.state.tracker.start(record.offset);
    const result = await processor.deliver(
      record,
      run.handler,
      run.state.deliveryFor(record.offset),
    );
    if (result.kind === 'retry') {
      run.retryLater(result.delayMs);
      return 'stopped';
    }
    await run.finished([record]);
  }
  return 'done';
}
