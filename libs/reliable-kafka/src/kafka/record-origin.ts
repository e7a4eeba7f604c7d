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

/** Where a record first arrived: its own coordinates, or those its origin headers carry. */
export function originOf(record: KafkaMessageRecord): RecordOrigin {
  const h = record.headers;
  const topic = h[OriginHeaders.topic];
  if (!topic) return record;
  return {
    topic,
    partition: Number(h[OriginHeaders.partition]),
    offset: h[OriginHeaders.offset] ?? record.offset,
    timestamp: h[OriginHeaders.timestamp] ?? record.timestamp,
  };
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
