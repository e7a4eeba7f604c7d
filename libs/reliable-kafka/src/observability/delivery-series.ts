import type { DeliveryEvent } from './reliable-kafka.events';

/** The labels of the per-record metrics. */
export interface DeliveryLabels {
  group: string;
  topic: string;
  handler: string;
}

/**
 * One entry per (group, handler, topic), found from a delivery event by three map lookups on the
 * strings the event already has. prom-client validates the labels and joins them into a hash key
 * on every call, a cost the per-record metrics would pay tens of thousands of times a second.
 */
export class DeliverySeries<T> {
  private readonly groups = new Map<string, Map<string, Map<string, T>>>();

  constructor(private readonly create: (labels: DeliveryLabels) => T) {}

  of(event: DeliveryEvent): T {
    let handlers = this.groups.get(event.groupId);
    if (!handlers) this.groups.set(event.groupId, (handlers = new Map()));
    let topics = handlers.get(event.handlerId);
    if (!topics) handlers.set(event.handlerId, (topics = new Map()));
    const topic = event.record.topic;
    let entry = topics.get(topic);
    if (entry === undefined)
      topics.set(
        topic,
        (entry = this.create({ group: event.groupId, topic, handler: event.handlerId })),
      );
    return entry;
  }

  *entries(): IterableIterator<T> {
    for (const handlers of this.groups.values()) {
      for (const topics of handlers.values()) yield* topics.values();
    }
  }

  clear(): void {
    this.groups.clear();
  }
}
