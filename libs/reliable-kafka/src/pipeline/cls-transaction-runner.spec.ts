import type { ModuleRef } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { ClsTransactionRunner, findClsTransactionRunner } from './cls-transaction-runner';

const dataSource = {} as DataSource;
/** An app without a provider named TransactionHost: nothing to warn about here. */
const noProviders = { getProviders: () => [] };

/** A ModuleRef that knows the given tokens (by identity), as Nest's does. */
function moduleRefWith(providers: Map<unknown, unknown>): ModuleRef {
  return {
    get: (token: unknown) => {
      if (!providers.has(token)) throw new Error('unknown provider');
      return providers.get(token);
    },
  } as unknown as ModuleRef;
}

const loaded = (name: string) => require.cache[require.resolve(name)] !== undefined;

describe('findClsTransactionRunner', () => {
  // In this order: the packages are loaded by the second case only.
  it('does not load nestjs-cls for an app that has not (it would turn on promise hooks process-wide)', () => {
    expect(loaded('nestjs-cls')).toBe(false);
    expect(loaded('@nestjs-cls/transactional')).toBe(false);

    expect(
      findClsTransactionRunner(moduleRefWith(new Map()), noProviders, dataSource),
    ).toBeUndefined();

    expect(loaded('nestjs-cls')).toBe(false);
    expect(loaded('@nestjs-cls/transactional')).toBe(false);
  });

  it("uses the app's TransactionHost and ClsService once the app has loaded them", () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { TransactionHost } =
      require('@nestjs-cls/transactional') as typeof import('@nestjs-cls/transactional');
    const { ClsService } = require('nestjs-cls') as typeof import('nestjs-cls');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const providers = new Map<unknown, unknown>([
      [TransactionHost, { withTransaction: (fn: () => unknown) => fn(), tx: undefined }],
      [ClsService, { runWith: (_store: object, fn: () => unknown) => fn() }],
    ]);

    expect(
      findClsTransactionRunner(moduleRefWith(providers), noProviders, dataSource),
    ).toBeInstanceOf(ClsTransactionRunner);
    expect(
      findClsTransactionRunner(moduleRefWith(new Map()), noProviders, dataSource),
    ).toBeUndefined();
  });
});
