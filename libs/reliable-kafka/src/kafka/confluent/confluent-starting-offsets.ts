import type { Logger } from '@nestjs/common';
import type { ConfluentConsumer, ConfluentTopicPartition } from './confluent-api';

/** librdkafka's logical offset for "the partition's end". */
const OFFSET_END = -1;

/** How long each lookup of committed offsets in the rebalance callback may take. */
const COMMITTED_LOOKUP_TIMEOUT_MS = 5_000;
const COMMITTED_LOOKUP_ATTEMPTS = 3;

/**
 * In a group whose topics start at different ends (`auto.offset.reset` is earliest for all):
 * partitions of a topic meant to start at its end, without a committed offset, are assigned at
 * their end; the others are left to their first record. A lookup that keeps failing leaves them at
 * their first record: more is read, nothing is skipped. Undefined: nothing to change.
 */
export async function startingOffsets(
  partitions: ConfluentTopicPartition[],
  fromBeginning: ReadonlySet<string>,
  consumer: ConfluentConsumer,
  groupId: string,
  logger: Logger,
): Promise<ConfluentTopicPartition[] | undefined> {
  const late = partitions.filter(({ topic }) => !fromBeginning.has(topic));
  if (late.length === 0) return undefined;
  const committed = await committedOffsets(late, consumer, groupId, logger);
  if (!committed) return undefined;
  // The package gives a committed offset of 0 as null: only a negative offset is "none".
  const uncommitted = new Set(
    committed
      .filter((c) => c.offset !== null && c.offset !== undefined && Number(c.offset) < 0)
      .map((c) => `${c.topic}:${c.partition}`),
  );
  return partitions.map(({ topic, partition }) =>
    uncommitted.has(`${topic}:${partition}`)
      ? { topic, partition, offset: OFFSET_END }
      : { topic, partition },
  );
}

async function committedOffsets(
  partitions: ConfluentTopicPartition[],
  consumer: ConfluentConsumer,
  groupId: string,
  logger: Logger,
) {
  const wanted = partitions.map(({ topic, partition }) => ({ topic, partition }));
  for (let attempt = 1; ; attempt++) {
    try {
      return await consumer.committed(wanted, COMMITTED_LOOKUP_TIMEOUT_MS);
    } catch (error) {
      if (attempt < COMMITTED_LOOKUP_ATTEMPTS) continue;
      logger.error(
        `group ${groupId}: committed offsets not found (${(error as Error).message}); ` +
          `partitions of ${[...new Set(wanted.map((p) => p.topic))].join(', ')} without a ` +
          'commit start at their first record, not their end',
      );
      return undefined;
    }
  }
}
