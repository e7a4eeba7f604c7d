import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { OrdersConfig } from './config/orders.config';

async function bootstrap(): Promise<void> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const app = await NestFactory.create(AppModule);
  // SIGTERM/SIGINT close the app: the consumers drain, commit their offsets and leave the group
  // before the database closes. (SIGKILL skips all that; the dedup record covers that case.)
  app.enableShutdownHooks();
  const { port } = app.get(OrdersConfig);
  await app.listen(port, '127.0.0.1');
  Logger.log(`orders app listening on http://127.0.0.1:${port}`, 'Orders');
}

void bootstrap().catch((error) => {
  Logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'Orders');
  process.exit(1);
});
