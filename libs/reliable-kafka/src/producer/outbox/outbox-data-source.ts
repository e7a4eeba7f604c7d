import type { ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { guardConnectionErrors } from '../../dedup/connection-error-guard';
import { ReliableKafkaConfigurationError } from '../../errors/configuration.error';

/**
 * The module's data source (`dataSource` option: a name registered with @nestjs/typeorm, or an
 * instance), with the same guard against a database restart as the consumers' (an outbox-only
 * app has no consumers to apply it).
 */
export function outboxDataSource(
  moduleRef: ModuleRef,
  setting: string | DataSource | undefined,
): DataSource {
  const dataSource = lookUp(moduleRef, setting);
  guardConnectionErrors(dataSource);
  return dataSource;
}

function lookUp(moduleRef: ModuleRef, setting: string | DataSource | undefined): DataSource {
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
