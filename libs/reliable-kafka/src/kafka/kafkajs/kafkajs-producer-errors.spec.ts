import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { DeliveryTimeoutError } from '../../producer/errors/delivery-timeout.error';
import { classifyProducerError } from '../../producer/errors/classify-producer-error';
import { kafkajsProducerErrorKind } from './kafkajs-errors';
import {
  ProducerFatalError,
  RecordTooLargeError,
  SerializationError,
} from '../../producer/errors/producer.errors';

const protocolError = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError({ type, code: 1, retriable, message: type } as never);

// Beside the adapter: what kafkajs's errors, as its producer throws them, become.
describe('classifyProducerError of kafkajs errors', () => {
  it('maps MESSAGE_TOO_LARGE, bare or wrapped by the retrier, to RecordTooLargeError', () => {
    const bare = classifyProducerError(
      protocolError('MESSAGE_TOO_LARGE', false),
      't',
      kafkajsProducerErrorKind,
      2_000_000,
    );
    expect(bare).toBeInstanceOf(RecordTooLargeError);
    expect(bare.code).toBe('RK_RECORD_TOO_LARGE');
    // As kafkajs's retrier wraps it: new KafkaJSNonRetriableError(e, { cause: e.cause || e })
    const inner = protocolError('MESSAGE_TOO_LARGE', false);
    const Wrapper = KafkaJSNonRetriableError as unknown as new (
      e: Error,
      o: { cause: Error },
    ) => Error; // typings omit the 2nd arg
    const wrapped = new Wrapper(inner, { cause: inner });
    expect(classifyProducerError(wrapped, 't', kafkajsProducerErrorKind)).toBeInstanceOf(
      RecordTooLargeError,
    );
  });

  it('maps other non-retriable errors to ProducerFatalError', () => {
    const error = classifyProducerError(
      protocolError('TOPIC_AUTHORIZATION_FAILED', false),
      't',
      kafkajsProducerErrorKind,
    );
    expect(error).toBeInstanceOf(ProducerFatalError);
    expect(error.code).toBe('RK_PRODUCER_FATAL');
  });

  it('maps retriable errors that escaped the retries to DeliveryTimeoutError', () => {
    expect(
      classifyProducerError(
        protocolError('LEADER_NOT_AVAILABLE', true),
        't',
        kafkajsProducerErrorKind,
      ),
    ).toBeInstanceOf(DeliveryTimeoutError);
  });

  it('a connection failure wrapped as non-retriable by nested kafkajs retriers is still a DeliveryTimeoutError', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
    const Wrapper = KafkaJSNonRetriableError as unknown as new (
      e: Error,
      o: { cause: Error },
    ) => Error;
    expect(
      classifyProducerError(
        new Wrapper(refused, { cause: refused }),
        't',
        kafkajsProducerErrorKind,
        undefined,
        5_000,
      ),
    ).toBeInstanceOf(DeliveryTimeoutError);
  });

  it('keeps typed errors as they are', () => {
    const error = new SerializationError('t', { cause: new TypeError('circular') });
    expect(classifyProducerError(error, 't', kafkajsProducerErrorKind)).toBe(error);
    expect(error.code).toBe('RK_SERIALIZATION');
  });
});
