import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { DataSource, EntityManager } from 'typeorm';
import { ReliableKafkaConfigurationError } from '../../errors/configuration.error';
import { ReliableKafkaBatchContext } from '../../pipeline/reliable-kafka-batch.context';
import { ReliableKafkaContext } from '../../pipeline/reliable-kafka.context';
import type { ResolvedOptions } from '../../options/reliable-kafka.options-resolver';
import { RESOLVED_OPTIONS } from '../../reliable-kafka.constants';
import type { ProducerMessage } from '../../options/producer.options';
import type { ResolvedProducerOptions } from '../../options/producer-settings';
import { encodeValue, identityHeaders } from '../record-encoding';
import { outboxDataSource } from './outbox-data-source';
import { storeKeyAndHeaders } from './outbox-key-headers';
import { type OutboxDialect, outboxDialect } from './outbox-sql';
import { createOutboxTableMigration } from './outbox-table.migration';

/** What `publish` wrote: the row id and the headers the relay will send. */
export interface OutboxEntry {
  idempotencyKey: string;
  messageId: string;
}

/**
 * Writes messages to the outbox table in the caller's transaction: the message exists exactly
 * when the business writes commit. The relay (OutboxRelay) publishes committed rows later.
 */
@Injectable()
export class OutboxService implements OnModuleInit {
  private readonly settings: ResolvedProducerOptions;
  private dataSource?: DataSource;
  private dialect?: OutboxDialect;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedOptions,
    private readonly moduleRef: ModuleRef,
  ) {
    this.settings = options.producer;
  }

  async onModuleInit(): Promise<void> {
    const { enabled, createTable, tableName } = this.settings.outbox;
    if (!enabled && !createTable) return;
    const dataSource = this.getDataSource();
    const runner = dataSource.createQueryRunner();
    try {
      if (await runner.hasTable(tableName)) return;
      if (!createTable) {
        throw new ReliableKafkaConfigurationError(
          'producer.outbox.tableName',
          `table "${tableName}" does not exist; add createOutboxTableMigration() to your migrations, or set producer.outbox.createTable: true`,
        );
      }
      await new (createOutboxTableMigration(tableName))().up(runner);
    } finally {
      await runner.release();
    }
  }

  /**
   * Writes `message` for `topic` through `target`: a TypeORM EntityManager of an open transaction,
   * or the handler's ReliableKafkaContext or ReliableKafkaBatchContext (its transaction's manager is used).
   */
  async publish(
    target: EntityManager | ReliableKafkaContext | ReliableKafkaBatchContext,
    topic: string,
    message: ProducerMessage,
  ): Promise<OutboxEntry> {
    const manager =
      target instanceof ReliableKafkaContext || target instanceof ReliableKafkaBatchContext
        ? target.entityManager
        : target;
    if (!manager.queryRunner?.isTransactionActive) {
      throw new ReliableKafkaConfigurationError(
        'outbox',
        'OutboxService.publish needs the EntityManager of an open transaction (e.g. the handler context), or the message could outlive a rolled-back write',
      );
    }
    const dialect = this.getDialect(manager.connection.options.type);
    const { idempotencyKey, messageId, headers } = identityHeaders(
      topic,
      message,
      this.settings.idempotencyKey,
    );
    const value = encodeValue(topic, message.value);
    // Byte for byte: a key or header that is not UTF-8 is not stored as lossy text.
    const stored = storeKeyAndHeaders(
      topic,
      message.key,
      headers,
      this.settings.outbox.binaryKeysAndHeaders,
    );
    const columns = [
      'topic',
      'message_key',
      'payload',
      'payload_encoding',
      'headers',
      'idempotency_key',
      'message_id',
      'created_at',
    ];
    const params = [
      topic,
      stored.messageKey,
      value === null ? null : Buffer.isBuffer(value) ? value.toString('base64') : value,
      Buffer.isBuffer(value) ? 'base64' : 'utf8',
      stored.headers,
      idempotencyKey,
      messageId,
      Date.now(),
    ];
    await manager.query(
      `INSERT INTO ${dialect.quote(this.settings.outbox.tableName)} (${columns.join(', ')}) VALUES (${params
        .map((_, i) => dialect.placeholder(i + 1))
        .join(', ')})`,
      params,
    );
    return { idempotencyKey, messageId };
  }

  /** Rows not yet published (for health checks and tests). */
  async pendingCount(): Promise<number> {
    const dataSource = this.getDataSource();
    const dialect = this.getDialect(dataSource.options.type);
    const rows: Array<{ n: unknown }> = await dataSource.query(
      `SELECT COUNT(*) AS n FROM ${dialect.quote(this.settings.outbox.tableName)} WHERE sent_at IS NULL`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** @internal */
  getDataSource(): DataSource {
    this.dataSource ??= outboxDataSource(this.moduleRef, this.options.dataSource);
    return this.dataSource;
  }

  private getDialect(type: string): OutboxDialect {
    this.dialect ??= outboxDialect(type);
    return this.dialect;
  }
}
