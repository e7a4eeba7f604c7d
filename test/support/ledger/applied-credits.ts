import type { Repository } from 'typeorm';
import type { Credit } from './credit';
import type { LedgerEntry } from './ledger.entities';

/** What a run did with its credits: those never applied, those applied more than once, and how many keys were applied. */
export interface AppliedCredits {
  lost: string[];
  twice: string[];
  applied: number;
}

/** Counts the ledger's entries per idempotency key against the credits that were produced. */
export async function appliedCredits(
  entries: Repository<LedgerEntry>,
  credits: Credit[],
): Promise<AppliedCredits> {
  const rows: { idempotencyKey: string; n: string }[] = await entries
    .createQueryBuilder('e')
    .select('e.idempotencyKey', 'idempotencyKey')
    .addSelect('COUNT(*)', 'n')
    .groupBy('e.idempotencyKey')
    .getRawMany();
  const applied = new Map(rows.map((r) => [r.idempotencyKey, Number(r.n)]));
  return {
    lost: credits.filter((c) => !applied.has(c.id)).map((c) => c.id),
    twice: [...applied].filter(([, n]) => n > 1).map(([key]) => key),
    applied: applied.size,
  };
}
