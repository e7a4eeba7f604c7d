import type { ModuleRef } from '@nestjs/core';
import type { DataSource, EntityManager } from 'typeorm';
import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import type { TransactionScope } from './handler-transaction';

/** The parts of `@nestjs-cls/transactional` and `nestjs-cls` used here (both optional). */
interface TransactionHostLike {
  withTransaction<R>(fn: () => Promise<R>): Promise<R>;
  readonly tx: unknown;
}
interface ClsServiceLike {
  runWith<T>(store: object, callback: () => T): T;
}

/**
 * Runs handler transactions through the app's `TransactionHost` of `@nestjs-cls/transactional`, in a
 * fresh CLS context per delivery: services written for `txHost.tx` (or `@Transactional()`) then
 * join the handler's transaction, the one holding the dedup record.
 */
export class ClsTransactionRunner implements TransactionScope {
  constructor(
    private readonly cls: ClsServiceLike,
    private readonly host: TransactionHostLike,
    private readonly dataSource: DataSource,
  ) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.cls.runWith({}, () =>
      this.host.withTransaction(async () => {
        const manager = this.host.tx as EntityManager;
        if (manager?.connection !== this.dataSource) {
          throw new ReliableKafkaConfigurationError(
            'dataSource',
            "the app's TransactionHost (@nestjs-cls/transactional) runs on another DataSource than ReliableKafka's; give both the same one",
          );
        }
        return work(manager);
      }),
    );
  }
}

/**
 * The app's default `TransactionHost` and `ClsService` when it uses `@nestjs-cls/transactional`
 * with the TypeORM adapter; undefined when it does not (the packages are optional).
 */
export function findClsTransactionRunner(moduleRef: ModuleRef, dataSource: DataSource): ClsTransactionRunner | undefined {
  let hostToken: unknown;
  let clsToken: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    hostToken = require('@nestjs-cls/transactional').TransactionHost;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    clsToken = require('nestjs-cls').ClsService;
  } catch {
    return undefined;
  }
  try {
    const host = moduleRef.get(hostToken as never, { strict: false }) as TransactionHostLike;
    const cls = moduleRef.get(clsToken as never, { strict: false }) as ClsServiceLike;
    return host && cls ? new ClsTransactionRunner(cls, host, dataSource) : undefined;
  } catch {
    return undefined;
  }
}
