import type { RecordMetadata } from 'kafkajs';
import { UnknownPartitionError } from '../../errors/unknown-partition.error';
import { placeInResponse } from './kafkajs-produce-response';

const written = (partition: number, baseOffset: string): RecordMetadata => ({
  topicName: 'orders',
  partition,
  errorCode: 0,
  baseOffset,
});

describe('placeInResponse', () => {
  it("gives each record its partition's base offset plus its place among that partition's records", () => {
    const placed = placeInResponse(
      'orders',
      [0, 1, 0, 1, 0],
      [written(1, '7'), written(0, '40')],
      -1,
    );
    expect(placed).toEqual([
      { index: 0, topic: 'orders', partition: 0, offset: '40' },
      { index: 1, topic: 'orders', partition: 1, offset: '7' },
      { index: 2, topic: 'orders', partition: 0, offset: '41' },
      { index: 3, topic: 'orders', partition: 1, offset: '8' },
      { index: 4, topic: 'orders', partition: 0, offset: '42' },
    ]);
  });

  it('fails with UnknownPartitionError naming topic and partition when the answer leaves a partition out', () => {
    // kafkajs writes partition 0 and skips partition 7, which its metadata does not have.
    const error = (() => {
      try {
        return placeInResponse('orders', [0, 7], [written(0, '3')], -1);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnknownPartitionError);
    expect(error).toMatchObject({ code: 'RK_UNKNOWN_PARTITION', topic: 'orders', partition: 7 });
    expect((error as Error).message).toContain('Partition 7 of topic "orders"');
  });

  it('an answer that skipped every partition is no acknowledgement', () => {
    expect(() => placeInResponse('orders', [3], [], 1)).toThrow(UnknownPartitionError);
  });

  it('an entry without a real offset, or for another topic, does not acknowledge the partition', () => {
    const noOffset = { topicName: 'orders', partition: 0, errorCode: 0 };
    expect(() => placeInResponse('orders', [0], [noOffset], -1)).toThrow(UnknownPartitionError);
    expect(() => placeInResponse('orders', [0], [written(0, '-1')], -1)).toThrow(
      UnknownPartitionError,
    );
    const elsewhere = { ...written(0, '5'), topicName: 'payments' };
    expect(() => placeInResponse('orders', [0], [elsewhere], -1)).toThrow(UnknownPartitionError);
  });

  it('with acks 0 (no answer from the broker) the offsets are unknown, not a failure', () => {
    expect(placeInResponse('orders', [2], [], 0)).toEqual([
      { index: 0, topic: 'orders', partition: 2, offset: '' },
    ]);
  });
});
