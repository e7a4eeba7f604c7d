import { Histogram, Registry, type Metric } from 'prom-client';
import { DeliveryDurationHistogram } from './delivery-duration-histogram';
import type { DeliveryEvent } from './reliable-kafka.events';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const event = (groupId: string, handlerId: string, topic: string): DeliveryEvent =>
  ({ groupId, handlerId, record: { topic }, attempt: 1 }) as unknown as DeliveryEvent;

/** The same observations into prom-client's own Histogram and into ours, each in its own registry. */
function scrapeBoth(
  observations: Array<[DeliveryEvent, number]>,
  buckets = BUCKETS,
  referenceBuckets = buckets,
) {
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram({
    name: 'rk_duration_seconds',
    help: 'Duration.',
    labelNames: ['group', 'topic', 'handler'],
    buckets: referenceBuckets,
    registers: [theirs],
  });
  const histogram = new DeliveryDurationHistogram('rk_duration_seconds', 'Duration.', buckets);
  ours.registerMetric(histogram as unknown as Metric);
  for (const [e, seconds] of observations) {
    reference.observe({ group: e.groupId, topic: e.record.topic, handler: e.handlerId }, seconds);
    histogram.observeDelivery(e, seconds);
  }
  const lines = async (registry: Registry) => (await registry.metrics()).trim().split('\n').sort();
  return { theirs: lines(theirs), ours: lines(ours), histogram, registry: ours };
}

describe('DeliveryDurationHistogram', () => {
  it('exposes exactly what prom-client Histogram exposes for the same observations', async () => {
    const a = event('g1', 'Orders.handle', 'orders');
    const b = event('g1', 'Orders.handle', 'orders.retry-1');
    const c = event('g2', 'Audit.handle', 'orders');
    const observations: Array<[DeliveryEvent, number]> = [
      [a, 0.004],
      [a, 0.005],
      [a, 0.0051],
      [a, 0.3],
      [a, 31],
      [b, 0.12],
      [c, 2.5],
      [c, 0.0001],
      [a, 0.07],
    ];
    const { theirs, ours } = scrapeBoth(observations);
    expect(await ours).toEqual(await theirs);
    expect(await ours).toContain(
      'rk_duration_seconds_bucket{le="0.005",group="g1",topic="orders",handler="Orders.handle"} 2',
    );
    expect(await ours).toContain(
      'rk_duration_seconds_bucket{le="+Inf",group="g1",topic="orders",handler="Orders.handle"} 6',
    );
  });

  it('counts by sorted, distinct bounds when the buckets are configured out of order or repeated', async () => {
    const e = event('g', 'H.handle', 't');
    const { theirs, ours } = scrapeBoth(
      [
        [e, 0.2],
        [e, 0.9],
        [e, 3],
      ],
      [1, 0.1, 0.5, 1],
      [0.1, 0.5, 1],
    );
    expect(await ours).toEqual(await theirs);
    expect(await ours).toContain(
      'rk_duration_seconds_bucket{le="0.5",group="g",topic="t",handler="H.handle"} 1',
    );
  });

  it('forgets every observation on a registry reset', async () => {
    const { histogram, registry } = scrapeBoth([[event('g', 'H.handle', 't'), 0.2]]);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('_count');
    histogram.observeDelivery(event('g', 'H.handle', 't'), 0.2);
    expect(await registry.metrics()).toContain(
      'rk_duration_seconds_count{group="g",topic="t",handler="H.handle"} 1',
    );
  });
});
