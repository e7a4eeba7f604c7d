import { type DeliveryLabels, DeliverySeries } from './delivery-series';
import type { DeliveryEvent } from './reliable-kafka.events';

/**
 * Counts records per (group, handler, topic) in plain numbers until a scrape takes them and adds
 * them to a prom-client counter: a record costs three map lookups and an addition.
 */
export class RecordTally {
  private readonly series = new DeliverySeries((labels) => ({ labels, count: 0 }));

  add(event: DeliveryEvent): void {
    this.series.of(event).count++;
  }

  /** Hands each label set's count since the last call to `take`, and starts again from zero. */
  drain(take: (labels: DeliveryLabels, count: number) => void): void {
    for (const entry of this.series.entries()) {
      if (entry.count === 0) continue;
      take(entry.labels, entry.count);
      entry.count = 0;
    }
  }
}
