import type { ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ReliableKafkaConfigurationError } from '../../errors/configuration.error';

/** The module's data source (`dataSource` option: a name registered with @nestjs/typeorm, or an instance). */
export function outboxDataSource(
  moduleRef: ModuleRef,
  setting: string | DataSource | undefined,
): DataSource {
  if (setting && typeof setting !== 'string') return setting;
  const name = setting ?? 'default';
  try {
    return moduleRef.get<DataSource>(getDataSourceToken(name === 'default' ? undefined : name), {
      strict: false,
    });
  } catch {
    throw new ReliableKafkaConfigurationError(
      'dataSource',
      `no TypeORM DataSource named "${name}" is registered (needed by the outbox)`,
    );
  }
}
