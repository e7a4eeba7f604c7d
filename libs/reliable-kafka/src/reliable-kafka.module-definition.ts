import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ReliableKafkaModuleOptions } from './options/reliable-kafka.options';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: RELIABLE_KAFKA_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ReliableKafkaModuleOptions>()
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createReliableKafkaOptions')
  .build();
