import { Gauge } from 'prom-client';
import type { ConsumersReadModel } from './consumers-read-model';

/**
 * The gauges read from the consumers' status when scraped (lag, in flight, paused, running), so
 * they cost nothing between scrapes.
 */
export function statusGauges(prefix: string, consumers: ConsumersReadModel): Gauge[] {
  const metrics: Gauge[] = [];
  const partitionGauge = (
    name: string,
    help: string,
    read: (part: PartitionView) => number | null,
  ) =>
    metrics.push(
      new Gauge({
        name: `${prefix}${name}`,
        help,
        labelNames: ['group', 'topic', 'partition'],
        registers: [],
        collect() {
          this.reset();
          for (const part of partitionsOf(consumers)) {
            const value = read(part);
            if (value !== null)
              this.set(
                { group: part.group, topic: part.topic, partition: String(part.partition) },
                value,
              );
          }
        },
      }),
    );
  partitionGauge(
    'consumer_lag_records',
    'Records between the committed offset and the end of the partition.',
    (x) => x.lag,
  );
  partitionGauge(
    'consumer_in_flight_records',
    'Records started and not finished.',
    (x) => x.inFlight,
  );
  partitionGauge(
    'consumer_partition_paused',
    '1 while the partition is paused for a back-off, else 0.',
    (x) => (x.paused ? 1 : 0),
  );
  metrics.push(
    new Gauge({
      name: `${prefix}consumer_records_lag_max`,
      help: 'Largest lag over the partitions of the group (Kafka records-lag-max).',
      labelNames: ['group'],
      registers: [],
      collect() {
        this.reset();
        for (const group of consumers.status().groups) {
          const lags = group.partitions.map((x) => x.lag ?? 0);
          this.set({ group: group.groupId }, lags.length ? Math.max(...lags) : 0);
        }
      },
    }),
  );
  metrics.push(
    new Gauge({
      name: `${prefix}consumer_paused_partitions`,
      help: 'Partitions of the group paused for a back-off.',
      labelNames: ['group'],
      registers: [],
      collect() {
        this.reset();
        for (const group of consumers.status().groups) {
          this.set({ group: group.groupId }, group.partitions.filter((x) => x.paused).length);
        }
      },
    }),
  );
  metrics.push(
    new Gauge({
      name: `${prefix}consumer_running`,
      help: '1 while the group is connected, joined and fetching, else 0.',
      labelNames: ['group'],
      registers: [],
      collect() {
        this.reset();
        for (const group of consumers.status().groups)
          this.set({ group: group.groupId }, group.running ? 1 : 0);
      },
    }),
  );
  return metrics;
}

interface PartitionView {
  group: string;
  topic: string;
  partition: number;
  lag: number | null;
  inFlight: number;
  paused: boolean;
}

function partitionsOf(consumers: ConsumersReadModel): PartitionView[] {
  return consumers.status().groups.flatMap((group) =>
    group.partitions.map((x) => ({
      group: group.groupId,
      topic: x.topic,
      partition: x.partition,
      lag: x.lag,
      inFlight: x.inFlight,
      paused: x.paused,
    })),
  );
}
