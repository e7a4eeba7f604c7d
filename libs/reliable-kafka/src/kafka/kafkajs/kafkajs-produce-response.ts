import type { RecordMetadata } from 'kafkajs';
import { UnknownPartitionError } from '../../errors/unknown-partition.error';
import type { RecordOutcome } from '../kafka-port';

/**
 * What became of each record of one `producer.send`. kafkajs answers with one entry per partition
 * it wrote, giving that partition's base offset; the records of a partition are written in the
 * order given, so the n-th of them has the base offset + n. A partition kafkajs does not know is
 * left out of the request and of the answer without an error: a record is settled as sent only
 * when the answer has its partition with a real offset, otherwise it failed, not written, with
 * UnknownPartitionError (a dead letter taken for written would let its offset be committed),
 * while the other records of the request are sent. The records are placed on partitions the
 * broker lists (kafkajs-producer-client.ts), so such a partition exists and only kafkajs's
 * metadata lacks it: `not-known-to-client`, sent again once kafkajs has read the topic again.
 *
 * With acks 0 the broker sends no answer at all, so no offset is known and none is checked: the
 * offsets are ''.
 */
export function placeInResponse(
  topic: string,
  partitions: number[],
  response: RecordMetadata[],
  acks: -1 | 0 | 1,
): RecordOutcome[] {
  if (acks === 0)
    return partitions.map((partition) => ({
      status: 'sent',
      sent: { topic, partition, offset: '' },
    }));
  const base = new Map<number, bigint>();
  for (const entry of response) {
    const offset = entry.baseOffset;
    if (entry.topicName === topic && offset !== undefined && /^\d+$/.test(offset))
      base.set(entry.partition, BigInt(offset));
  }
  const seen = new Map<number, bigint>();
  return partitions.map((partition): RecordOutcome => {
    const first = base.get(partition);
    if (first === undefined)
      return {
        status: 'failed',
        error: new UnknownPartitionError(topic, partition, { reason: 'not-known-to-client' }),
      };
    const n = seen.get(partition) ?? 0n;
    seen.set(partition, n + 1n);
    return { status: 'sent', sent: { topic, partition, offset: String(first + n) } };
  });
}
