import { MalformedRecordOriginError } from '../errors/non-retriable.error';
import { isOffsetText, isPartitionText, isTimestampText, isTopicName } from './coordinates-text';
import type { KafkaMessageRecord } from './kafka-message-record';

/**
 * Headers naming where a record first arrived, carried by its copies on retry topics and by
 * replays: whoever keys or reports a record keys and reports it by its origin, not by the copy.
 */
export const OriginHeaders = {
  topic: 'retry-original-topic',
  partition: 'retry-original-partition',
  offset: 'retry-original-offset',
  timestamp: 'retry-original-timestamp',
} as const;

export type RecordOrigin = Pick<KafkaMessageRecord, 'topic' | 'partition' | 'offset' | 'timestamp'>;

/**
 * Where a record first arrived: its own coordinates without origin headers, else those they
 * carry. Throws MalformedRecordOriginError when there are any but they are not topic, partition
 * and offset (and the timestamp, if there) in the form the library writes.
 */
export function originOf(record: KafkaMessageRecord): RecordOrigin {
  const h = record.headers;
  const topic = h[OriginHeaders.topic];
  const partition = h[OriginHeaders.partition];
  const offset = h[OriginHeaders.offset];
  const timestamp = h[OriginHeaders.timestamp];
  const none =
    topic === undefined &&
    partition === undefined &&
    offset === undefined &&
    timestamp === undefined;
  if (none) return record;
  const malformed = (header: string, what: string) =>
    new MalformedRecordOriginError(
      `${record.topic}[${record.partition}]@${record.offset}: header "${header}" is ${what}`,
    );
  if (!isTopicName(topic)) throw malformed(OriginHeaders.topic, 'missing or not a topic name');
  if (!isPartitionText(partition)) {
    throw malformed(
      OriginHeaders.partition,
      'missing or not a partition (a non-negative integer in canonical decimal)',
    );
  }
  if (!isOffsetText(offset)) {
    throw malformed(
      OriginHeaders.offset,
      'missing or not an offset (a non-negative integer in canonical decimal)',
    );
  }
  if (timestamp !== undefined && !isTimestampText(timestamp)) {
    throw malformed(OriginHeaders.timestamp, 'not a timestamp (an integer in canonical decimal)');
  }
  return {
    topic,
    partition: Number(partition),
    offset,
    timestamp: timestamp ?? record.timestamp,
  };
}

/**
 * Where a failure of the record is reported: its origin, or, when its origin headers are
 * malformed, its own coordinates (the failure being reported may be just that).
 */
export function reportedOriginOf(record: KafkaMessageRecord): RecordOrigin {
  try {
    return originOf(record);
  } catch (error) {
    if (error instanceof MalformedRecordOriginError) return record;
    throw error;
  }
}

/** The headers `originOf` reads: where a record first arrived, for a copy sent elsewhere. */
export function originHeaders(origin: {
  topic: string;
  partition: number;
  offset: string;
  timestamp?: string;
}): Record<string, string> {
  const headers: Record<string, string> = {
    [OriginHeaders.topic]: origin.topic,
    [OriginHeaders.partition]: String(origin.partition),
    [OriginHeaders.offset]: origin.offset,
  };
  if (origin.timestamp !== undefined) headers[OriginHeaders.timestamp] = origin.timestamp;
  return headers;
}
