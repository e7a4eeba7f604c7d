import type { EntityManager } from 'typeorm';
import type { ReliableKafkaContext } from '../../../libs/reliable-kafka/src';
import { LedgerAccount, LedgerEntry } from './ledger.entities';

export interface Credit {
  id: string;
  account: string;
  amount: number;
  seq?: number;
}

/** `balance = balance + amount` and an entry row, in the handler's transaction. */
export async function applyCredit(
  manager: EntityManager,
  credit: Credit,
  context: Pick<ReliableKafkaContext, 'idempotencyKey' | 'partition' | 'offset'>,
): Promise<void> {
  await manager
    .createQueryBuilder()
    .insert()
    .into(LedgerAccount)
    .values({ id: credit.account, balance: 0 })
    .orIgnore()
    .execute();
  await manager.increment(LedgerAccount, { id: credit.account }, 'balance', credit.amount);
  await manager.insert(LedgerEntry, {
    idempotencyKey: context.idempotencyKey,
    accountId: credit.account,
    amount: credit.amount,
    partitionNo: context.partition,
    offsetValue: context.offset,
    sequence: credit.seq ?? 0,
  });
}

export function creditMessage(credit: Credit, partition?: number) {
  return {
    key: credit.account,
    value: JSON.stringify(credit),
    headers: { 'idempotency-key': credit.id },
    partition,
  };
}
