import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { createDedupTableMigration } from '@reliable-kafka/nestjs';
import type { OrdersConfig } from '../config/orders.config';
import { Account } from './account.entity';
import { AccountTotal } from './account-total.entity';
import { CreateAccountTotalsTable1764500000000 } from './create-account-totals-table.migration';
import { CreateOrdersTables1764400000000 } from './create-orders-tables.migration';
import { DeadLetter } from './dead-letter.entity';
import { DeadLetterKeyBytes1764600000000 } from './dead-letter-key-bytes.migration';
import { Order } from './order.entity';

/**
 * PostgreSQL when DATABASE_URL is set, else an SQLite file. The schema comes from migrations run
 * at startup, never from `synchronize`: the dedup table's primary key is what makes duplicates
 * detectable, and it must be exactly what the library's migration creates.
 */
export function databaseOptions(config: OrdersConfig): TypeOrmModuleOptions {
  const common = {
    entities: [Account, AccountTotal, Order, DeadLetter],
    migrations: [
      createDedupTableMigration(),
      CreateOrdersTables1764400000000,
      CreateAccountTotalsTable1764500000000,
      DeadLetterKeyBytes1764600000000,
    ],
    migrationsRun: true,
    synchronize: false,
    logging: false,
  };
  if (config.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
      throw new Error('DATABASE_URL must be a postgres:// URL (unset it to use SQLite)');
    }
    return { type: 'postgres', url: config.databaseUrl, ...common };
  }
  return { type: 'better-sqlite3', database: config.sqlitePath, ...common };
}
