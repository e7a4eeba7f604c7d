import type { RecordMetadata } from 'kafkajs';
import { UnknownPartitionError } from '../../errors/unknown-partition.error';
import type { RecordOutcome } from '../kafka-port';
import { placeInResponse } from './kafkajs-produce-response';

const written = (partition: number, baseOffset: string): RecordMetadata => ({
  topicName: 'orders',
  partition,
  errorCode: 0,
  baseOffset,
});

const sent = (partition: number, offset: string) => ({
  status: 'sent',
  sent: { topic: 'orders', partition, offset },
});

/** The error of each record that failed, by its index. */
const failures = (outcomes: RecordOutcome[]) =>
  outcomes.flatMap((outcome, index) =>
    outcome.status === 'failed' ? [[index, outcome.error]] : [],
  );

describe('placeInResponse', () => {
  it("gives each record its partition's base offset plus its place among that partition's records", () => {
    const placed = placeInResponse(
      'orders',
      [0, 1, 0, 1, 0],
      [written(1, '7'), written(0, '40')],
      -1,
    );
    expect(placed).toEqual([
      sent(0, '40'),
      sent(1, '7'),
      sent(0, '41'),
      sent(1, '8'),
      sent(0, '42'),
    ]);
  });

  it('fails only the records of a partition the answer leaves out, with UnknownPartitionError naming it; the others are sent', () => {
    // kafkajs writes partitions 0 and 1 and skips partition 7, which its metadata does not have.
    const outcomes = placeInResponse(
      'orders',
      [0, 7, 1, 7],
      [written(0, '3'), written(1, '9')],
      -1,
    );
    expect(outcomes[0]).toEqual(sent(0, '3'));
    expect(outcomes[2]).toEqual(sent(1, '9'));
    const failed = failures(outcomes);
    expect(failed.map(([index]) => index)).toEqual([1, 3]);
    for (const [, error] of failed) {
      expect(error).toBeInstanceOf(UnknownPartitionError);
      expect(error).toMatchObject({ code: 'RK_UNKNOWN_PARTITION', topic: 'orders', partition: 7 });
      expect((error as Error).message).toContain('Partition 7 of topic "orders"');
    }
  });

  it('an answer that skipped every partition acknowledges no record', () => {
    expect(failures(placeInResponse('orders', [3, 3], [], 1)).map(([index]) => index)).toEqual([
      0, 1,
    ]);
  });

  it('an entry without a real offset, or for another topic, does not acknowledge the partition', () => {
    const noOffset = { topicName: 'orders', partition: 0, errorCode: 0 };
    const elsewhere = { ...written(0, '5'), topicName: 'payments' };
    for (const entry of [noOffset, written(0, '-1'), elsewhere]) {
      const [outcome] = placeInResponse('orders', [0], [entry], -1);
      expect(outcome).toMatchObject({ status: 'failed', error: expect.any(UnknownPartitionError) });
    }
  });

  it('with acks 0 (no answer from the broker) the offsets are unknown, not a failure', () => {
    expect(placeInResponse('orders', [2], [], 0)).toEqual([
      { status: 'sent', sent: { topic: 'orders', partition: 2, offset: '' } },
    ]);
  });
});
