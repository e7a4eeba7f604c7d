import { MalformedRecordOriginError } from '../errors/non-retriable.error';
import type { KafkaMessageRecord } from './kafka-message-record';
import { OriginHeaders, originHeaders, originOf, reportedOriginOf } from './record-origin';

/** A copy on a retry topic, with origin headers `origin` (a header left undefined is absent). */
const onRetryTopic = (origin: Record<string, string | undefined>): KafkaMessageRecord => ({
  topic: 'orders.retry.1',
  partition: 0,
  offset: '3',
  key: null,
  value: null,
  headers: origin,
  rawHeaders: {},
  timestamp: '1700000000300',
});

const valid = {
  [OriginHeaders.topic]: 'orders',
  [OriginHeaders.partition]: '5',
  [OriginHeaders.offset]: '900',
  [OriginHeaders.timestamp]: '1700000000000',
};

describe('originOf', () => {
  it('is the record itself without origin headers', () => {
    const record = onRetryTopic({});
    expect(originOf(record)).toBe(record);
  });

  it('is what the origin headers say, as originHeaders writes them; an offset past 2^53 exactly', () => {
    expect(originOf(onRetryTopic(valid))).toEqual({
      topic: 'orders',
      partition: 5,
      offset: '900',
      timestamp: '1700000000000',
    });
    const written = originHeaders({ topic: 'a.b_c-1', partition: 0, offset: '9007199254740993' });
    expect(originOf(onRetryTopic(written))).toEqual({
      topic: 'a.b_c-1',
      partition: 0,
      offset: '9007199254740993',
      timestamp: '1700000000300', // none carried: the copy's own
    });
    expect(originOf(onRetryTopic({ ...valid, [OriginHeaders.timestamp]: '-1' })).timestamp).toBe(
      '-1',
    );
  });

  it.each<[string, string, string | undefined]>([
    ['a partition that is not a number', OriginHeaders.partition, 'abc'],
    ['a negative partition', OriginHeaders.partition, '-1'],
    ['a partition with a leading zero', OriginHeaders.partition, '05'],
    ['a partition with a sign', OriginHeaders.partition, '+5'],
    ['a fractional partition', OriginHeaders.partition, '5.0'],
    ['a partition past 2^53', OriginHeaders.partition, '9007199254740993'],
    ['a partition with spaces', OriginHeaders.partition, ' 5'],
    ['an empty partition', OriginHeaders.partition, ''],
    ['no partition', OriginHeaders.partition, undefined],
    ['an offset that is not a number', OriginHeaders.offset, 'abc'],
    ['a negative offset', OriginHeaders.offset, '-1'],
    ['an offset with a leading zero', OriginHeaders.offset, '0900'],
    ['an offset in exponent form', OriginHeaders.offset, '9e2'],
    ['an offset past 2^63 - 1', OriginHeaders.offset, '9223372036854775808'],
    ['no offset', OriginHeaders.offset, undefined],
    ['an empty topic', OriginHeaders.topic, ''],
    ['a topic with a space', OriginHeaders.topic, 'my orders'],
    ['the topic "."', OriginHeaders.topic, '.'],
    ['the topic ".."', OriginHeaders.topic, '..'],
    ['a topic of 250 characters', OriginHeaders.topic, 'o'.repeat(250)],
    ['a topic whose bytes were not UTF-8', OriginHeaders.topic, 'orders\uFFFD'],
    ['no topic, with the rest', OriginHeaders.topic, undefined],
    ['a timestamp that is not a number', OriginHeaders.timestamp, 'soon'],
  ])(
    '%s is a MalformedRecordOriginError naming the header, not its value',
    (_what, header, value) => {
      const record = onRetryTopic({ ...valid, [header]: value });
      const read = () => originOf(record);
      expect(read).toThrow(MalformedRecordOriginError);
      expect(read).toThrow(`orders.retry.1[0]@3: header "${header}" is `);
      if (value && value.length > 2) expect(read).not.toThrow(value);
      // A failure of it is reported where it is.
      expect(reportedOriginOf(record)).toBe(record);
    },
  );

  it('a lone partition header without a topic is malformed, not ignored', () => {
    expect(() => originOf(onRetryTopic({ [OriginHeaders.partition]: '5' }))).toThrow(
      MalformedRecordOriginError,
    );
  });
});
