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

  it('does not take a handler\'s own error that mentions "not queryable" for a database outage', () => {
    // Each would be retried without limit, holding its partition, instead of being dead-lettered.
    expect(isDatabaseUnavailable(new Error('account 7 is not queryable'))).toBe(false);
    expect(isDatabaseUnavailable(new Error(`${brokenClient}: report 12`))).toBe(false);
    expect(isDatabaseUnavailable(new Error(`lookup failed: ${brokenClient}`))).toBe(false);
    // The app ended this client itself (a query after release or shutdown): no outage to wait out.
    expect(isDatabaseUnavailable(new Error('Client was closed and is not queryable'))).toBe(false);
  });
});
