import { BadRequestException, ServiceUnavailableException } from '@nestjs/common';
import { NonRetriableError, PayloadDecodeError } from '../errors/non-retriable.error';
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
    // pg, on a client whose connection failed while it was checked out (a server restart).
    expect(
      isDatabaseUnavailable(
        new Error('Client has encountered a connection error and is not queryable'),
      ),
    ).toBe(true);
    expect(isDatabaseUnavailable(new Error('duplicate key value'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
