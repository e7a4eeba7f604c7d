import { Logger } from '@nestjs/common';
import type { DiscoveryService, ModuleRef } from '@nestjs/core';
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
 *
 * A provider of that name that the lookup cannot reach (a bundled app, a second copy of the
 * package) would leave services using `txHost.tx` outside the handler's transaction: that is
 * said in a warning rather than run that way silently.
 */
export function findClsTransactionRunner(
  moduleRef: ModuleRef,
  discovery: Pick<DiscoveryService, 'getProviders'>,
  dataSource: DataSource,
): ClsTransactionRunner | undefined {
  const runner = lookUp(moduleRef, dataSource);
  if (!runner && discovery.getProviders().some((wrapper) => wrapper.name === 'TransactionHost')) {
    new Logger('ReliableKafka').warn(
      "the app has a TransactionHost provider, but not the one @nestjs-cls/transactional exports here (is the package bundled, or installed twice?); handler transactions do not join it, so services writing through txHost.tx are not part of the dedup record's transaction",
    );
  }
  return runner;
}

function lookUp(moduleRef: ModuleRef, dataSource: DataSource): ClsTransactionRunner | undefined {
  const hostToken = loadedExport('@nestjs-cls/transactional', 'TransactionHost');
  const clsToken = loadedExport('nestjs-cls', 'ClsService');
  if (!hostToken || !clsToken) return undefined;
  try {
    const host = moduleRef.get(hostToken as never, { strict: false }) as TransactionHostLike;
    const cls = moduleRef.get(clsToken as never, { strict: false }) as ClsServiceLike;
    return host && cls ? new ClsTransactionRunner(cls, host, dataSource) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An export of a package the app has already loaded; never loads it. An app that uses
 * `TransactionHost` has imported both packages before its module is built. Loading `nestjs-cls`
 * otherwise would cost every app that merely has it installed: on load it enters an
 * AsyncLocalStorage, which turns on promise hooks for the whole process, a cost on every promise.
 */
function loadedExport(packageName: string, exportName: string): unknown {
  let file: string;
  try {
    file = require.resolve(packageName);
  } catch {
    return undefined;
  }
  const exports = require.cache[file]?.exports as Record<string, unknown> | undefined;
  return exports?.[exportName];
}
