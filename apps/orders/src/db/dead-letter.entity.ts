import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A record found on the dead-letter topic, with where it came from and why it failed. */
@Entity('dead_letters')
export class DeadLetter {
  /** `<original topic>/<partition>/<offset>`: one row per failed record, however often it was dead-lettered. */
  @PrimaryColumn({ type: 'varchar', length: 300 })
  id!: string;

  @Column({ type: 'varchar', length: 249 })
  originalTopic!: string;

  @Column({ type: 'int' })
  originalPartition!: number;

  /** Kafka offsets are 64-bit: kept as text so no dialect turns them into a lossy number. */
  @Column({ type: 'varchar', length: 20 })
  originalOffset!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  handler!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  errorClass!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  errorCode!: string | null;

  @Column({ type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ type: 'int', nullable: true })
  attempts!: number | null;

  /**
   * The original `idempotency-key` header: what a producer would look its message up by. As
   * every text here read from a header, made storable (see storableText).
   */
  @Column({ type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  /** The record key byte for byte: a key is bytes, not necessarily text. */
  @Column({ type: 'text', nullable: true })
  messageKeyBase64!: string | null;

  /** The value byte for byte (a poison record may not be text), so it can be inspected or replayed. */
  @Column({ type: 'text', nullable: true })
  valueBase64!: string | null;

  @CreateDateColumn()
  recordedAt!: Date;
}
