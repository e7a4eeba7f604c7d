import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import type { MessageProcessor } from './message-processor';
import type { PartitionRun } from './partition-run';

/**
 * Records with different keys run concurrently (up to `maxConcurrency`), records with one key in
 * order. A record needing a retry stops new starts; after the in-flight ones end, everything
 * unfinished is fetched again from the lowest unfinished offset. Records that had finished after
 * it come back too: the offset tracker knows them, so they are not delivered again. (After a
 * restart or a rebalance it does not: processed ones are skipped by their dedup records,
 * dead-lettered ones are dead-lettered again.)
 */
export async function processByKey(
  run: PartitionRun,
  processor: MessageProcessor,
  maxConcurrency: number,
): Promise<void> {
  const lastOfKey = new Map<string, Promise<void>>();
  const active = new Set<Promise<void>>();
  let retryDelayMs: number | undefined;
  let failure: unknown;
  const halted = () => retryDelayMs !== undefined || failure !== undefined || run.shouldStop();

  for (const record of run.records) {
    while (active.size >= maxConcurrency) await Promise.race(active);
    if (halted()) break;
    run.state.tracker.start(record.offset);
    // Finished before an earlier record was sent back for a retry: only its offset is left to do.
    const alreadyFinished = run.state.tracker.finishedBefore(record.offset);
    const key = keyOf(record);
    const previous = lastOfKey.get(key);
    const task = (async () => {
      if (!alreadyFinished) {
        if (previous) await previous;
        if (halted()) return;
        const result = await processor.deliver(
          record,
          run.handler,
          run.state.deliveryFor(record.offset),
        );
        if (result.kind === 'retry') {
          retryDelayMs = Math.max(retryDelayMs ?? 0, result.delayMs);
          return;
        }
      }
      await run.finished([record]);
    })().catch((error) => {
      failure ??= error;
    });
    lastOfKey.set(key, task);
    active.add(task);
    void task.then(() => active.delete(task));
  }
  await Promise.all(active);
  if (failure !== undefined) throw failure;
  if (retryDelayMs !== undefined) run.retryLater(retryDelayMs);
}

/** Records without a key have no order to keep among themselves. */
function keyOf(record: KafkaMessageRecord): string {
  return record.key === null ? `\u0000offset:${record.offset}` : record.key.toString('latin1');
}
