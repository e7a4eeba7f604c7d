import type { DeliveryEvent } from './reliable-kafka.events';
import { RecordTally } from './record-tally';

const event = (groupId: string, handlerId: string, topic: string): DeliveryEvent =>
  ({ groupId, handlerId, record: { topic }, attempt: 1 }) as unknown as DeliveryEvent;

describe('RecordTally', () => {
  const drained = (tally: RecordTally) => {
    const out: string[] = [];
    tally.drain((labels, n) => out.push(`${labels.group}/${labels.handler}/${labels.topic}=${n}`));
    return out.sort();
  };

  it('counts per group, handler and topic, and hands each count over once', () => {
    const tally = new RecordTally();
    for (let i = 0; i < 3; i++) tally.add(event('g1', 'Orders.handle', 'orders'));
    tally.add(event('g1', 'Orders.handle', 'orders.retry-1'));
    tally.add(event('g2', 'Orders.handle', 'orders'));
    tally.add(event('g1', 'Audit.handle', 'orders'));

    expect(drained(tally)).toEqual([
      'g1/Audit.handle/orders=1',
      'g1/Orders.handle/orders.retry-1=1',
      'g1/Orders.handle/orders=3',
      'g2/Orders.handle/orders=1',
    ]);
    expect(drained(tally)).toEqual([]);
    tally.add(event('g1', 'Orders.handle', 'orders'));
    expect(drained(tally)).toEqual(['g1/Orders.handle/orders=1']);
  });
});
