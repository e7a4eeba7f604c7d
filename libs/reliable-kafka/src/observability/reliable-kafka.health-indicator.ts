import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ReliableKafkaHealthOptions } from './health.options';
import { HealthIndicatorService } from '@nestjs/terminus';
import { safeText } from '../errors/safe-text';
import { thrownMessage } from '../errors/thrown-value';
import type { AdminClient } from '../kafka/port/admin-client';
import type { KafkaClientFactory } from '../kafka/port/client-factory';
import { KAFKA_CLIENT_FACTORY } from '../reliable-kafka.constants';
import { ConsumersReadModel } from './consumers-read-model';

/**
 * A `@nestjs/terminus` health indicator: up when the consumers are started and every group is
 * running, the broker answers, the database answers `SELECT 1`, no partition is stuck and every
 * partition's offsets get committed.
 * Lives in its own file so the library's core never imports terminus; provide it in a module that
 * imports `TerminusModule`.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.kafka.isHealthy('reliable-kafka')]); }
 * ```
 */
@Injectable()
export class ReliableKafkaHealthIndicator implements OnModuleDestroy {
  private admin?: Promise<AdminClient>;

  constructor(
    private readonly consumers: ConsumersReadModel,
    private readonly indicator: HealthIndicatorService,
    @Inject(KAFKA_CLIENT_FACTORY) private readonly clients: KafkaClientFactory,
  ) {}

  async isHealthy<const Key extends string>(key: Key, options: ReliableKafkaHealthOptions = {}) {
    const session = this.indicator.check(key);
    const stuckAfterMs = options.stuckAfterMs ?? 300_000;
    const commitStalledAfterMs = options.commitStalledAfterMs ?? 30_000;
    const timeoutMs = options.timeoutMs ?? 3_000;
    const status = this.consumers.status();
    const problems: string[] = [];
    const now = Date.now();

    if (!status.started) problems.push('consumers are not started');
    const groups = status.groups.map((group) => {
      if (!group.running) {
        problems.push(
          `group ${group.groupId} is not running${group.lastCrash ? ` (crashed: ${group.lastCrash.error})` : ''}`,
        );
      }
      const stuck = group.partitions
        .filter((x) => (x.inFlight > 0 || x.paused) && now - x.lastProgressAt > stuckAfterMs)
        .map((x) => `${x.topic}[${x.partition}]`);
      if (stuck.length)
        problems.push(
          `group ${group.groupId}: no progress for over ${stuckAfterMs} ms on ${stuck.join(', ')}`,
        );
      const notCommitting = group.partitions
        .filter(
          (x) => x.commitWaitingSince !== null && now - x.commitWaitingSince > commitStalledAfterMs,
        )
        .map((x) => `${x.topic}[${x.partition}]`);
      if (notCommitting.length)
        problems.push(
          `group ${group.groupId}: offsets not committed for over ${commitStalledAfterMs} ms on ${notCommitting.join(', ')}`,
        );
      return {
        groupId: group.groupId,
        running: group.running,
        partitions: group.partitions.length,
        stuck,
        notCommitting,
      };
    });

    const [broker, database] = await Promise.all([
      this.probe('broker', timeoutMs, () => this.pingBroker()),
      this.probe('database', timeoutMs, () => this.pingDatabase()),
    ]);
    if (broker !== 'up') problems.push(broker);
    if (database !== 'up') problems.push(database);

    const details = {
      broker: broker === 'up' ? 'up' : 'down',
      database: database === 'up' ? 'up' : 'down',
      groups,
    };
    return problems.length ? session.down({ ...details, problems }) : session.up(details);
  }

  async onModuleDestroy(): Promise<void> {
    await this.dropAdmin();
  }

  private async probe(
    what: string,
    timeoutMs: number,
    check: () => Promise<void>,
  ): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
      return 'up';
    } catch (error) {
      if (what === 'broker') await this.dropAdmin();
      return `${what} unreachable: ${safeText(thrownMessage(error))}`;
    } finally {
      clearTimeout(timer);
    }
  }

  private async pingBroker(): Promise<void> {
    this.admin ??= (async () => {
      const admin = this.clients.createAdmin('health');
      await admin.connect();
      return admin;
    })();
    const admin = await this.admin;
    await admin.ping();
  }

  private async pingDatabase(): Promise<void> {
    const dataSource = this.consumers.database()?.dataSource;
    if (!dataSource?.isInitialized) throw new Error('the DataSource is not initialized');
    await dataSource.query('SELECT 1');
  }

  private async dropAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }
}
