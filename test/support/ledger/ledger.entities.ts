import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** An account balance: the non-idempotent increment the dedup record makes safe. */
@Entity('ledger_account')
export class LedgerAccount {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'int' })
  balance!: number;
}

/**
 * One row per applied credit. The idempotency key is deliberately NOT unique here: a doubled
 * effect shows up as two rows instead of being hidden by a constraint.
 */
@Entity('ledger_entry')
export class LedgerEntry {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 255 })
  idempotencyKey!: string;

  @Column({ type: 'varchar', length: 64 })
  accountId!: string;

  @Column({ type: 'int' })
  amount!: number;

  @Column({ type: 'int' })
  partitionNo!: number;

  @Column({ type: 'bigint' })
  offsetValue!: string;

  @Column({ type: 'int', default: 0 })
  sequence!: number;
}

export const LEDGER_ENTITIES = [LedgerAccount, LedgerEntry];
