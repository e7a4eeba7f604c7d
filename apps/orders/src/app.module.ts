import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ReliableKafkaModule } from '@reliable-kafka/nestjs';
import { OrdersConfigModule } from './config/orders-config.module';
import { OrdersConfig } from './config/orders.config';
import { AccountTotalsConsumer } from './consumers/account-totals.consumer';
import { DeadLetterConsumer } from './consumers/dead-letter.consumer';
import { DeliveryLog } from './consumers/delivery-log';
import { OrdersConsumer } from './consumers/orders.consumer';
import { Account } from './db/account.entity';
import { AccountTotal } from './db/account-total.entity';
import { databaseOptions } from './db/database.options';
import { DeadLetter } from './db/dead-letter.entity';
import { Order } from './db/order.entity';
import { AccountsController } from './http/accounts.controller';
import { DeadLettersController } from './http/dead-letters.controller';
import { OrdersController } from './http/orders.controller';
import { StatsController } from './http/stats.controller';
import { OrderPublisher } from './kafka/order.publisher';
import { ObservabilityModule } from './observability/observability.module';
import { reliableKafkaOptions } from './kafka/reliable-kafka.options';

@Module({
  imports: [
    OrdersConfigModule,
    TypeOrmModule.forRootAsync({ inject: [OrdersConfig], useFactory: databaseOptions }),
    TypeOrmModule.forFeature([Account, AccountTotal, Order, DeadLetter]),
    // Handlers are found in any provider of the app; they run on the default TypeORM data source.
    ReliableKafkaModule.forRootAsync({ inject: [OrdersConfig], useFactory: reliableKafkaOptions }),
    ObservabilityModule,
  ],
  controllers: [OrdersController, AccountsController, DeadLettersController, StatsController],
  providers: [
    OrderPublisher,
    OrdersConsumer,
    AccountTotalsConsumer,
    DeadLetterConsumer,
    DeliveryLog,
  ],
})
export class AppModule {}
