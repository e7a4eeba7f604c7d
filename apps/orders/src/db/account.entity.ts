import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An account and its balance: the effect that must not be applied twice. */
@Entity('accounts')
export class Account {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'int' })
  balance!: number;
}
