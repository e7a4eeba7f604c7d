import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An applied order. Its id is the order's idempotency key, so one order is one row. */
@Entity('orders')
export class Order {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  accountId!: string;

  @Column({ type: 'int' })
  amount!: number;

  @CreateDateColumn()
  createdAt!: Date;
}
