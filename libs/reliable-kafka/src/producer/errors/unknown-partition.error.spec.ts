import { UnknownPartitionError as Thrown } from '../../errors/unknown-partition.error';
import { UnknownPartitionError } from '../../index';
import { UnknownPartitionError as Found } from './unknown-partition.error';

describe('UnknownPartitionError with the producer errors', () => {
  it('is the class the Kafka adapters throw, and the one the package exports', () => {
    expect(Found).toBe(Thrown);
    expect(UnknownPartitionError).toBe(Thrown);
    expect(new Found('orders', 5)).toMatchObject({ code: 'RK_UNKNOWN_PARTITION', partition: 5 });
  });
});
