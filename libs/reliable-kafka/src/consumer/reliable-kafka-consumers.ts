import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { guardConnectionErrors } from '../dedup/connection-error-guard';
import { DedupRetention } from '../dedup/dedup-retention';
import { verifyDedupKeyCollation } from '../dedup/dedup-key-collation';
import { createDedupStore, type DedupStore } from '../dedup/dedup-store';
import { createDedupTableMigration } from '../dedup/dedup-table.migration';
import type { HandlerDefinition } from '../discovery/handler-definition';
import { HandlerExplorer } from '../discovery/handler.explorer';
import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import { describeThrown } from '../errors/thrown-value';
import { DeadLetterPublisher } from '../failure/dead-letter-publisher';
import { FailureRecordSender } from '../failure/failure-record-sender';
import { RetryTopicPublisher } from '../failure/retry-topic-publisher';
import { withBrokers } from '../kafka/broker-reachability';
import type { KafkaClientFactory } from '../kafka/port/client-factory';
import { ConsumersReadModel } from '../observability/consumers-read-model';
import { prepareTopics } from './topic-preparation';
import { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import { findClsTransactionRunner } from '../pipeline/cls-transaction-runner';
import { TransactionRunner } from '../pipeline/transaction-runner';
import type { ResolvedOptions } from '../options/reliable-kafka.options-resolver';
import { KAFKA_CLIENT_FACTORY, RESOLVED_OPTIONS } from '../reliable-kafka.constants';
import { BatchTransactionProcessing } from './batch-transaction-processing';
import { CommitPolicy } from './commit-policy';
import type { ConsumersStatus } from '../observability/consumer-status';
import { GroupConsumer } from './group-consumer';
import { MessageProcessor } from './message-processor';

/**
 * Owns the consumers' lifecycle. At module init it checks the options, the data source, the dedup
 * table and the handlers (so a bad setting fails bootstrap); on application bootstrap it connects
 * and starts one consumer per group; before shutdown it drains, commits and disconnects, while the
 * data source is still open.
 */
@Injectable()
export class ReliableKafkaConsumers
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('ReliableKafka');
  private dataSource!: DataSource;
  private dedup!: DedupStore;
  private handlers: HandlerDefinition[] = [];
  private groups: GroupConsumer[] = [];
  private retention?: DedupRetention;
  private started = false;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedOptions,
    @Inject(KAFKA_CLIENT_FACTORY) private readonly clients: KafkaClientFactory,
    private readonly moduleRef: ModuleRef,
    private readonly explorer: HandlerExplorer,
    private readonly events: ReliableKafkaEvents,
    private readonly discovery: DiscoveryService,
    private readonly sender: FailureRecordSender,
    private readonly readModel: ConsumersReadModel,
  ) {}

  async onModuleInit(): Promise<void> {
    this.dataSource = this.resolveDataSource(this.options.dataSource);
    guardConnectionErrors(this.dataSource);
    this.readModel.attach({
      status: () => this.status(),
      database: { dataSource: this.dataSource, dedupTableName: this.options.dedup.tableName },
    });
    this.dedup = createDedupStore(this.dataSource, this.options.dedup.tableName);
    await this.ensureDedupTable();
    this.handlers = this.explorer.explore(this.options);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.autoStart) await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** What each group is doing now (metrics and the health indicator read it via ConsumersReadModel). */
  status(): ConsumersStatus {
    return { started: this.started, groups: this.groups.map((group) => group.status()) };
  }

  private readonly onDedupDeleted = (count: number): void => {
    this.events.emit('dedup-cleaned', { count });
  };

  /** The discovered handlers' ids and topics. */
  get handlerIds(): string[] {
    return this.handlers.map((h) => h.id);
  }

  /** Connects and starts every group. Called on bootstrap unless `autoStart` is false. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      await this.startGroups();
    } catch (error) {
      // A failed start leaves nothing running and `started` false, so that start() can be tried
      // again: otherwise the retry would return at once and no record would ever be consumed.
      await this.stop().catch((cleanup: unknown) =>
        this.logger.warn(`stopping after a failed start failed too: ${describeThrown(cleanup)}`),
      );
      throw error;
    }
  }

  private async startGroups(): Promise<void> {
    if (this.handlers.length === 0) {
      this.logger.warn('no @AtLeastOnceHandler methods found; no consumer started');
      return;
    }
    const admin = this.clients.createAdmin('consumers');
    await withBrokers(
      this.clients.brokers,
      (error) => admin.isConnectionFailure(error),
      () => prepareTopics(admin, this.handlers, this.options.topics ?? {}),
    );
    await this.sender.open();

    const transactions = new TransactionRunner(
      this.dataSource,
      findClsTransactionRunner(this.moduleRef, this.discovery, this.dataSource),
    );
    const processor = new MessageProcessor(
      transactions,
      this.dedup,
      new DeadLetterPublisher(this.sender),
      this.events,
      new RetryTopicPublisher(this.sender),
    );
    const batches = new BatchTransactionProcessing(
      transactions,
      this.dedup,
      processor,
      this.events,
    );
    const policy = new CommitPolicy(this.options.commit);
    const byGroup = new Map<string, Map<string, HandlerDefinition>>();
    for (const handler of this.handlers) {
      const topics = byGroup.get(handler.groupId) ?? new Map<string, HandlerDefinition>();
      for (const topic of [...handler.topics, ...handler.retryTopics.map((r) => r.topic)])
        topics.set(topic, handler);
      byGroup.set(handler.groupId, topics);
    }
    for (const [groupId, topics] of byGroup) {
      const group = new GroupConsumer(
        this.clients,
        groupId,
        topics,
        this.options.consumer,
        policy,
        processor,
        batches,
        this.events,
      );
      this.groups.push(group);
      await group.start();
      this.logger.log(`group "${groupId}" consuming ${group.topics.join(', ')}`);
    }

    this.retention = this.newRetention();
    this.retention?.start();
  }

  /** Stops fetching, drains in-flight handlers (bounded), commits, and disconnects. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // Taken before anything can fail: a stop that throws partway (a group's disconnect) leaves no
    // group, cleanup or sender behind for a retried start() to run beside new ones. Every group
    // is stopped even when one fails, and the first failure is thrown once all are done.
    const groups = this.groups;
    const retention = this.retention;
    this.groups = [];
    this.retention = undefined;
    try {
      const stopped = await Promise.allSettled(
        groups.map((group) => group.stop(this.options.shutdownTimeoutMs)),
      );
      const failed = stopped.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      await retention?.stop();
      await this.sender.close();
    }
  }

  /** Deletes expired dedup records now; returns how many. */
  async cleanupDedupRecords(now?: number): Promise<number> {
    const retention = this.retention ?? this.newRetention();
    return retention ? retention.cleanOnce(now) : 0;
  }

  /** The dedup table's cleanup, or `undefined` when records are kept forever (retentionMs: null). */
  private newRetention(): DedupRetention | undefined {
    const { retentionMs, cleanupIntervalMs, cleanupBatchSize } = this.options.dedup;
    if (retentionMs === null) return undefined;
    return new DedupRetention(
      this.dedup,
      this.dataSource,
      retentionMs,
      cleanupIntervalMs,
      cleanupBatchSize,
      this.onDedupDeleted,
    );
  }

  private resolveDataSource(setting: string | DataSource): DataSource {
    if (typeof setting !== 'string') return setting;
    let dataSource: DataSource;
    try {
      dataSource = this.moduleRef.get<DataSource>(
        getDataSourceToken(setting === 'default' ? undefined : setting),
        {
          strict: false,
        },
      );
    } catch {
      throw new ReliableKafkaConfigurationError(
        'dataSource',
        `no TypeORM DataSource named "${setting}" is registered; add TypeOrmModule.forRoot(${
          setting === 'default' ? '' : `{ name: '${setting}', ... }`
        }) or pass a DataSource instance`,
      );
    }
    if (!dataSource?.isInitialized) {
      throw new ReliableKafkaConfigurationError(
        'dataSource',
        `the DataSource "${setting}" is not initialized`,
      );
    }
    return dataSource;
  }

  private async ensureDedupTable(): Promise<void> {
    const { tableName, createTable } = this.options.dedup;
    const runner = this.dataSource.createQueryRunner();
    try {
      if (await runner.hasTable(tableName)) {
        // A table made by an earlier version may still compare keys case-insensitively.
        await verifyDedupKeyCollation(runner, tableName);
        return;
      }
      if (!createTable) {
        throw new ReliableKafkaConfigurationError(
          'dedup.tableName',
          `table "${tableName}" does not exist; add createDedupTableMigration(${
            tableName === 'reliable_kafka_dedup' ? '' : `'${tableName}'`
          }) to your migrations, or set dedup.createTable: true`,
        );
      }
      const Migration = createDedupTableMigration(tableName);
      await new Migration().up(runner);
      this.logger.log(`created dedup table "${tableName}"`);
    } finally {
      await runner.release();
    }
  }
}
