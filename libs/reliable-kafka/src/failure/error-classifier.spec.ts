import { BadRequestException, ServiceUnavailableException } from '@nestjs/common';
import { NonRetriableError, PayloadDecodeError } from '../errors/non-retriable.error';
import { QueryFailedError } from 'typeorm';
import { RetriableError } from '../errors/retriable.error';
import { classifyError, isDatabaseUnavailable } from './error-classifier';

class InsufficientFunds extends Error {}
class Flaky extends NonRetriableError {}

describe('classifyError', () => {
  it('retries unknown errors (they are dead-lettered once attempts run out)', () => {
    expect(classifyError(new Error('boom'), {})).toBe('retriable');
  });

  it('does not retry decode failures, validation failures or NonRetriableError', () => {
    expect(classifyError(new PayloadDecodeError('bad json'), {})).toBe('non-retriable');
    expect(classifyError(new BadRequestException(['amount must be positive']), {})).toBe(
      'non-retriable',
    );
    expect(classifyError(new NonRetriableError('no'), {})).toBe('non-retriable');
    expect(classifyError(new ServiceUnavailableException(), {})).toBe('retriable');
    expect(classifyError(new RetriableError('yes'), {})).toBe('retriable');
  });

  it('lets the user decide: predicate first, then lists', () => {
    expect(classifyError(new InsufficientFunds(), { nonRetriable: [InsufficientFunds] })).toBe(
      'non-retriable',
    );
    expect(classifyError(new Flaky('x'), { retriable: [Flaky] })).toBe('retriable');
    expect(
      classifyError(new InsufficientFunds(), {
        nonRetriable: [InsufficientFunds],
        classify: () => 'retriable',
      }),
    ).toBe('retriable');
    expect(classifyError(new Error(), { classify: () => undefined })).toBe('retriable');
  });
});

describe('isDatabaseUnavailable', () => {
  it('recognises connection failures, also when wrapped', () => {
    expect(
      isDatabaseUnavailable(
        Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe(true);
    expect(isDatabaseUnavailable({ message: 'query failed', driverError: { code: '57P01' } })).toBe(
      true,
    );
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('duplicate key value'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });

  // pg's own Error for a client that lost its connection while checked out, and as TypeORM wraps it.
  const brokenClient = 'Client has encountered a connection error and is not queryable';

  it("recognises pg's broken-client error, bare and wrapped by TypeORM", () => {
    expect(isDatabaseUnavailable(new Error(brokenClient))).toBe(true);
    const wrapped = new QueryFailedError('SELECT 1', [], new Error(brokenClient));
    expect(wrapped.message).toBe(brokenClient);
    expect(isDatabaseUnavailable(wrapped)).toBe(true);
    expect(isDatabaseUnavailable(new Error('saving failed', { cause: wrapped }))).toBe(true);
  });

  const coded = (code: string, message = 'driver error') =>
    Object.assign(new Error(message), { code });

  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'EHOSTUNREACH',
    'ENOTFOUND',
    'PROTOCOL_CONNECTION_LOST',
    'ER_SERVER_SHUTDOWN',
    'ER_CON_COUNT_ERROR',
    'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
    'SQLITE_BUSY',
    '57P01',
    '57P02',
    '57P03',
    '53300',
    '08000',
    '08006',
    '08P01',
  ])('recognises the driver code %s, bare, as TypeORM wraps it, and as a cause', (code) => {
    expect(isDatabaseUnavailable(coded(code))).toBe(true);
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], coded(code)))).toBe(true);
    expect(isDatabaseUnavailable(new Error('saving failed', { cause: coded(code) }))).toBe(true);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    "Can't add new command when connection is in closed state",
  ])('recognises the driver error %j by its whole message, bare and wrapped', (message) => {
    expect(isDatabaseUnavailable(new Error(message))).toBe(true);
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], new Error(message)))).toBe(
      true,
    );
  });

  it("does not take a handler's own error that uses a driver's words for a database outage", () => {
    // Each was matched anywhere in a message and held its partition without limit.
    for (const message of [
      'Connection lost to the payment gateway',
      'the websocket connection is closed',
      'Connection terminated by the card network',
      'terminating connection to the SFTP server',
      'Cannot enqueue Payout after fatal error in batch 7',
      'lookup failed: Connection terminated unexpectedly',
    ]) {
      expect(isDatabaseUnavailable(new Error(message))).toBe(false);
    }
    // Codes that only look like a driver's, and the app ending its own pg client.
    for (const code of ['08', '0800-ORDER', 'ECONNREFUSED_BY_POLICY', 'P0001']) {
      expect(isDatabaseUnavailable(coded(code))).toBe(false);
    }
    expect(isDatabaseUnavailable(new Error('Connection terminated'))).toBe(false);
  });

  it('does not take a handler\'s own error that mentions "not queryable" for a database outage', () => {
    // Each would be retried without limit, holding its partition, instead of being dead-lettered.
    expect(isDatabaseUnavailable(new Error('account 7 is not queryable'))).toBe(false);
    expect(isDatabaseUnavailable(new Error(`${brokenClient}: report 12`))).toBe(false);
    expect(isDatabaseUnavailable(new Error(`lookup failed: ${brokenClient}`))).toBe(false);
    // The app ended this client itself (a query after release or shutdown): no outage to wait out.
    expect(isDatabaseUnavailable(new Error('Client was closed and is not queryable'))).toBe(false);
  });
});
