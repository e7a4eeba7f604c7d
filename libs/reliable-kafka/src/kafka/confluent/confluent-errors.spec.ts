import {
  confluentProducerErrorKind,
  isTransientConfluentError,
  isUnknownTopicConfluentError,
  LibrdkafkaErrorCode as C,
} from './confluent-errors';

/** Shaped as the package's errors are: a KafkaJS-style error, or the binding's own. */
function kafkaJSError(code: number): Error {
  return Object.assign(new Error('from a delivery report'), { name: 'KafkaJSError', code });
}
function bindingError(code: number): Error {
  return Object.assign(new Error('Local: refused at produce'), { code, origin: 'local' });
}

describe('Confluent error classification', () => {
  it.each([
    ['broker unreachable', C.ERR__TRANSPORT],
    ['record timed out in librdkafka', C.ERR__MSG_TIMED_OUT],
    ['all brokers down', C.ERR__ALL_BROKERS_DOWN],
    ['local queue full', C.ERR__QUEUE_FULL],
    ['leader moving', C.ERR_NOT_LEADER_FOR_PARTITION],
    ['too few in-sync replicas', C.ERR_NOT_ENOUGH_REPLICAS],
    ['request timed out', C.ERR_REQUEST_TIMED_OUT],
    ['unknown topic (broker)', C.ERR_UNKNOWN_TOPIC_OR_PART],
    ['unknown topic (local)', C.ERR__UNKNOWN_TOPIC],
  ])('%s is transient', (_, code) => {
    expect(isTransientConfluentError(kafkaJSError(code))).toBe(true);
    expect(isTransientConfluentError(bindingError(code))).toBe(true);
  });

  it.each([
    ['record too large', C.ERR_MSG_SIZE_TOO_LARGE],
    ['partition that does not exist', C.ERR__UNKNOWN_PARTITION],
    ['no authorization', C.ERR_TOPIC_AUTHORIZATION_FAILED],
    ['fatal idempotent-producer error', C.ERR__FATAL],
  ])('%s is not transient', (_, code) => {
    expect(isTransientConfluentError(kafkaJSError(code))).toBe(false);
  });

  it('is not transient without a librdkafka code: a Node error code is a string', () => {
    expect(isTransientConfluentError(new Error('Header value must be a string or buffer'))).toBe(
      false,
    );
    expect(
      isTransientConfluentError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
    ).toBe(false);
    expect(isTransientConfluentError(undefined)).toBe(false);
  });

  it('reads the code of a wrapped error', () => {
    const wrapped = new Error('send failed', { cause: kafkaJSError(C.ERR__MSG_TIMED_OUT) });
    expect(isTransientConfluentError(wrapped)).toBe(true);
  });

  it('calls both the broker\'s and librdkafka\'s "unknown topic" an unknown topic, and nothing else', () => {
    expect(isUnknownTopicConfluentError(kafkaJSError(C.ERR_UNKNOWN_TOPIC_OR_PART))).toBe(true);
    expect(isUnknownTopicConfluentError(bindingError(C.ERR__UNKNOWN_TOPIC))).toBe(true);
    expect(isUnknownTopicConfluentError(bindingError(C.ERR__UNKNOWN_PARTITION))).toBe(false);
    expect(isUnknownTopicConfluentError(kafkaJSError(C.ERR__TRANSPORT))).toBe(false);
  });
});

describe('confluentProducerErrorKind', () => {
  it.each([
    [
      "a record over the client's or the broker's size limit",
      bindingError(C.ERR_MSG_SIZE_TOO_LARGE),
      'too-large',
    ],
    ["a request over the broker's limit", kafkaJSError(C.ERR_RECORD_LIST_TOO_LARGE), 'too-large'],
    ['records timed out in librdkafka', kafkaJSError(C.ERR__MSG_TIMED_OUT), 'transient'],
    ['not authorized', kafkaJSError(C.ERR_TOPIC_AUTHORIZATION_FAILED), 'fatal'],
    ['an unknown partition', bindingError(C.ERR__UNKNOWN_PARTITION), 'fatal'],
  ])('%s: %s', (_what, error, kind) => {
    expect(confluentProducerErrorKind(error)).toBe(kind);
  });

  it("an error without a librdkafka code (the library's own, a thrown string) is no kind", () => {
    expect(confluentProducerErrorKind(new Error('no code'))).toBeUndefined();
    expect(confluentProducerErrorKind('text')).toBeUndefined();
  });
});
