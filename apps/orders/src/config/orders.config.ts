import * as os from 'node:os';
import * as path from 'node:path';
import { Injectable } from '@nestjs/common';
import { ORDERS_GROUP_ID } from './orders-group';
import { ORDERS_TOPIC } from './orders-topic';

/**
 * Every setting of the app, read from the environment once. Injected into the async module
 * factories (TypeORM, ReliableKafka) the way a ConfigService would be.
 */
@Injectable()
export class OrdersConfig {
  readonly port = Number(process.env.PORT || 3000);
  /** A postgres:// URL selects PostgreSQL; without it the app uses an SQLite file. */
  readonly databaseUrl = process.env.DATABASE_URL || undefined;
  readonly sqlitePath =
    process.env.ORDERS_SQLITE_PATH || path.join(os.tmpdir(), 'orders-app.sqlite');
  readonly kafkaBrokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  readonly groupId = ORDERS_GROUP_ID;
  readonly topic = ORDERS_TOPIC;
  /**
   * Kafka session timeout. A consumer killed with SIGKILL stays a group member this long, and a
   * restarted one waits for it to expire before it gets partitions; the demo sets the broker's
   * minimum (6000) so the restart does not stall for the library's default 30 s.
   */
  readonly sessionTimeoutMs = process.env.KAFKA_SESSION_TIMEOUT_MS
    ? Number(process.env.KAFKA_SESSION_TIMEOUT_MS)
    : undefined;
}
