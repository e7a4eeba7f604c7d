import type { OutgoingRecord, ProducerClient, SentRecord } from '../kafka/kafka-port';
import { DeliveryDeadline } from './delivery-deadline';
import { DeliveryTimeoutError } from './errors/delivery-timeout.error';

/** A client whose attempts fail with the given errors, in order, then succeed. */
function client(
  failures: Error[],
  transient: (error: unknown) => boolean,
): ProducerClient & {
  attempts: number;
} {
  return {
    attempts: 0,
    connect: async () => undefined,
    disconnect: async () => undefined,
    isTransient: transient,
    isUnknownTopic: () => false,
    async sendOnce(topic: string, records: OutgoingRecord[]): Promise<SentRecord[]> {
      const failure = failures[this.attempts++];
      if (failure) throw failure;
      return records.map((_, i) => ({ topic, partition: 0, offset: String(i) }));
    },
  };
}

const record: OutgoingRecord = { key: 'k', value: 'v' };
const isTransient = (error: unknown) => (error as Error).message.startsWith('transient');

describe('DeliveryDeadline', () => {
  it('tries a transient failure again within the delivery timeout', async () => {
    const flaky = client([new Error('transient 1'), new Error('transient 2')], isTransient);
    const deadline = new DeliveryDeadline(flaky, { deliveryTimeoutMs: 60_000, retryBackoffMs: 1 });
    await expect(deadline.send('orders', [record])).resolves.toEqual([
      { topic: 'orders', partition: 0, offset: '0' },
    ]);
    expect(flaky.attempts).toBe(3);
  });

  it('fails at once, with the client error as is, when the failure is not transient', async () => {
    const refused = new Error('not authorized');
    const strict = client([refused], isTransient);
    const deadline = new DeliveryDeadline(strict, { deliveryTimeoutMs: 60_000, retryBackoffMs: 1 });
    await expect(deadline.send('orders', [record])).rejects.toBe(refused);
    expect(strict.attempts).toBe(1);
  });

  it('a transient failure past the delivery timeout is a DeliveryTimeoutError caused by it', async () => {
    const down = new Error('transient: broker down');
    const failing = client(Array(1_000).fill(down), isTransient);
    // The next pause (retryBackoffMs) would end past the deadline: no attempt after the first.
    const deadline = new DeliveryDeadline(failing, { deliveryTimeoutMs: 50, retryBackoffMs: 100 });
    const error = await deadline.send('orders', [record]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect(error).toMatchObject({ code: 'RK_DELIVERY_TIMEOUT', topic: 'orders', timeoutMs: 50 });
    expect((error as Error).cause).toBe(down);
  });
});
