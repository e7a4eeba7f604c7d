import type { ReliableKafkaModuleOptions } from '@reliable-kafka/nestjs';
import type { OrdersConfig } from '../config/orders.config';

/** The ReliableKafkaModule settings of this app, for `forRootAsync`. */
export function reliableKafkaOptions(config: OrdersConfig): ReliableKafkaModuleOptions {
  return {
    client: { clientId: 'orders-consumer', brokers: config.kafkaBrokers },
    consumer: {
      groupId: config.groupId,
      sessionTimeout: config.sessionTimeoutMs,
      // Kafka wants heartbeats at most a third of the session timeout.
      heartbeatInterval: config.sessionTimeoutMs
        ? Math.floor(config.sessionTimeoutMs / 6)
        : undefined,
    },
    // The handler topic is created with 3 partitions on first start (its .dlq copies that).
    topics: { create: true, numPartitions: 3 },
    // Commit at most once a second (or every 100 records): fewer commit requests. After a crash,
    // up to a second of already-applied records is delivered again; the dedup record skips them.
    commit: { strategy: 'periodic', everyMs: 1000, everyRecords: 100 },
    shutdownTimeoutMs: 10_000,
  };
}
