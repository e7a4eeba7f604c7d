import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How many orders an account has and their sum, kept by a batch handler in its own consumer group.
 * Column names are snake_case so set-based SQL needs no quoting on any dialect.
 */
@Entity('account_totals')
export class AccountTotal {
  @PrimaryColumn({ name: 'account_id', type: 'varchar', length: 64 })
  accountId!: string;

  @Column({ name: 'order_count', type: 'int' })
  orderCount!: number;

  @Column({ name: 'amount_total', type: 'int' })
  amountTotal!: number;
}
