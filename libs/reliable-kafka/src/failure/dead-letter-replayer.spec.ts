import type { KafkaMessageRecord } from '../kafka/kafka-message-record';
import type { OutgoingRecord } from '../kafka/kafka-port';
import { OriginHeaders, originOf } from '../kafka/record-origin';
import { DeadLetterHeaders } from './dead-letter.headers';
import { DeadLetterReplayer } from './dead-letter-replayer';
import type { FailureRecordSender } from './failure-record-sender';

/** A dead letter of orders[2]@41 with the given dlq-original-timestamp. */
const deadLetterStamped = (timestamp: string): KafkaMessageRecord => {
  const headers: Record<string, string> = {
    [DeadLetterHeaders.originalTopic]: 'orders',
    [DeadLetterHeaders.originalPartition]: '2',
    [DeadLetterHeaders.originalOffset]: '41',
    [DeadLetterHeaders.originalTimestamp]: timestamp,
  };
  return {
    topic: 'orders.dlq',
    partition: 0,
    offset: '9',
    key: null,
    value: Buffer.from('{}'),
    headers,
    rawHeaders: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, Buffer.from(value)]),
    ),
    timestamp: '1700000000500',
  };
};

/** Replays `deadLetter` and returns the record sent, as the consumer would read it back. */
async function replayed(deadLetter: KafkaMessageRecord): Promise<KafkaMessageRecord> {
  const sent: OutgoingRecord[] = [];
  const sender = {
    send: async (_topic: string, records: OutgoingRecord[]) => sent.push(...records),
  };
  await new DeadLetterReplayer(sender as unknown as FailureRecordSender).replay(deadLetter);
  const headers = Object.fromEntries(
    Object.entries(sent[0].headers ?? {}).map(([name, value]) => [name, String(value)]),
  );
  return { ...deadLetter, topic: 'orders', offset: '77', headers };
}

describe('DeadLetterReplayer', () => {
  it('carries a valid dlq-original-timestamp on as the origin timestamp', async () => {
    const replay = await replayed(deadLetterStamped('1700000000000'));
    expect(replay.headers[OriginHeaders.timestamp]).toBe('1700000000000');
    expect(originOf(replay)).toMatchObject({ topic: 'orders', offset: '41' });
  });

  it.each(['yesterday', '01700000000000', '', '1.7e12'])(
    'leaves out a dlq-original-timestamp not in the form the library writes (%j): the replay is not malformed',
    async (timestamp) => {
      const replay = await replayed(deadLetterStamped(timestamp));
      expect(replay.headers[OriginHeaders.timestamp]).toBeUndefined();
      expect(originOf(replay)).toMatchObject({
        topic: 'orders',
        partition: 2,
        offset: '41',
        timestamp: '1700000000500',
      });
    },
  );
});
