import { Global, Module } from '@nestjs/common';
import { OrdersConfig } from './orders.config';

/** Global so both async module factories (TypeORM, ReliableKafka) can inject OrdersConfig. */
@Global()
@Module({ providers: [OrdersConfig], exports: [OrdersConfig] })
export class OrdersConfigModule {}
