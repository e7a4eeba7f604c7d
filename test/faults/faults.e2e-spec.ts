/**
 * Proof under faults (CI profile): consumer processes SIGKILLed (also at the hook point between
 * the DB commit and the offset commit), SIGTERMed, joining and leaving, the broker killed -9 and
 * restarted, PostgreSQL stopped for seconds, handlers failing transiently and poison messages;
 * then every message is counted. Runs on the suite's OWN broker and PostgreSQL cluster (started
 * and stopped here, whatever the global setup started), so killing them disturbs nobody.
 * The long profile: `npm run test:faults -- --long` (docs/faults.md).
 */
import { FaultEnvironment } from './fault-environment';
import { contractViolations, formatReport, NO_VIOLATIONS, type FaultReport } from './fault-report';
import { runScenario, type FaultKind } from './fault-suite';
import { killRunningWorkers } from './worker-pool';
import { scenario } from './profiles';
import { log, runSeed } from './spec-run';

const seed = runSeed;

describe('fault injection: every message counted (own broker and PostgreSQL)', () => {
  let env: FaultEnvironment | undefined;

  beforeAll(async () => {
    env = await FaultEnvironment.start(log);
  }, 180_000);

  afterAll(async () => {
    killRunningWorkers(); // only if a scenario was cut short (test timeout)
    await env?.stop();
  }, 120_000);

  it('soak with every fault kind: lost 0, applied twice 0, poison in the DLQ once, balances right, lag 0', async () => {
    const options = { ...scenario('soak', 'ci', seed), log };
    log(`[faults] soak seed ${seed} (replay: RK_FAULTS_SEED=${seed})`);
    const report = await runScenario(env!, options);
    log(`\n${formatReport(report)}\n`);

    expect(contractViolations(report)).toEqual(NO_VIOLATIONS);
    expect(report.ok).toBe(true);
    // Every fault kind really happened at least once.
    const f = report.faultsInjected;
    expect({
      sigkill: f.sigkill > 0,
      hook: f['sigkill-after-commit-hook'] > 0,
      sigterm: f['sigterm-clean-close'] > 0,
      rebalance: f.join > 0 && f.leave > 0,
      broker: f['broker-restart'] > 0,
      database: f['db-outage'] > 0 && report.deliveries.retriesDatabaseUnavailable > 0,
      transient: report.deliveries.retriesHandler > 0,
      poison: report.dlq.keys > 0 && report.dlq.keys === report.messages.poison,
    }).toEqual({
      sigkill: true,
      hook: true,
      sigterm: true,
      rebalance: true,
      broker: true,
      database: true,
      transient: true,
      poison: true,
    });
    expect(report.deliveries.duplicatesAbsorbed).toBeGreaterThan(0);
    expect(report.messages.uniqueKeys).toBeGreaterThanOrEqual(10_000);
  }, 480_000);

  // The throughput modes under the kills (a fifth of the soak's size each): the batch handler's
  // calls and the key-concurrent records finish out of step with their offsets.
  it.each([
    {
      mode: 'batch-handler',
      label: '@AtLeastOnceBatchHandler (maxRecords 50)',
      settings: { batchHandlerRecords: 50 },
    },
    {
      mode: 'key-concurrency',
      label: 'key-concurrency (maxConcurrency 16)',
      settings: { processing: { mode: 'key-concurrency' as const, maxConcurrency: 16 } },
    },
  ])(
    '$label under SIGKILLs (also at the hook point and inside the handler): lost 0, applied twice 0',
    async ({ mode, settings }) => {
      const base = scenario('kill', 'ci', seed);
      const options = { ...base, ...settings, name: `${base.name}-${mode}`, log };
      const report = await runScenario(env!, { ...options, reportFile: null });
      log(`\n${formatReport(report)}\n`);

      expect(contractViolations(report)).toEqual(NO_VIOLATIONS);
      expect(report.ok).toBe(true);
      const f = report.faultsInjected;
      expect({
        sigkill: f.sigkill > 0,
        hook: f['sigkill-after-commit-hook'] > 0,
        inHandler: f['sigkill-in-handler'] > 0,
      }).toEqual({
        sigkill: true,
        hook: true,
        inHandler: true,
      });
      expect(report.deliveries.duplicatesAbsorbed).toBeGreaterThan(0);
    },
    240_000,
  );

  it('PostgreSQL restarted under idle and under busy consumers: no worker exits, lost 0, applied twice 0', async () => {
    const options = { ...scenario('database-restart', 'ci', seed), reportFile: null, log };
    const report = await runScenario(env!, options);
    log(`\n${formatReport(report)}\n`);

    const f = report.faultsInjected;
    // A busy restart is counted only with records in flight (the suite fails it otherwise); their
    // transactions were cut, so the workers retried them as "database unavailable".
    expect({
      unexpectedExits: f['unexpected-worker-exits'],
      restartsIdle: f['db-restart-idle'],
      restartsBusy: f['db-restart'],
      inFlightAtBusyRestarts: f['db-restart-records-in-flight'] >= 2,
      retriedAfterRestarts: report.deliveries.retriesDatabaseUnavailable > 0,
    }).toEqual({
      unexpectedExits: 0,
      restartsIdle: 2,
      restartsBusy: 2,
      inFlightAtBusyRestarts: true,
      retriedAfterRestarts: true,
    });
    expect(contractViolations(report)).toEqual(NO_VIOLATIONS);
    expect(report.ok).toBe(true);
  }, 240_000);

  /** A small run against a deliberately broken consumer: the checker must notice and name keys. */
  async function brokenRun(
    name: string,
    broken: { unsafeCommitBeforeProcess?: boolean; unsafeBypassDedup?: boolean },
    faults: Partial<Record<FaultKind, number>>,
    initialInHandlerKillAt?: number,
  ): Promise<FaultReport> {
    const report = await runScenario(env!, {
      ...scenario('kill', 'ci', seed),
      name,
      messages: 800,
      workers: 1,
      partitions: 2,
      produceRatePerSec: 2_000,
      resendPercent: 0,
      poisonPercent: 0,
      transientFailurePercent: broken.unsafeBypassDedup ? 5 : 0,
      faults,
      initialInHandlerKillAt,
      timeoutMs: 90_000,
      reportFile: null,
      log,
      ...broken,
    });
    log(`\n${formatReport(report)}\n`);
    return report;
  }

  it('fails with the lost keys when the library commits offsets before processing (broken on purpose by the worker)', async () => {
    const report = await brokenRun('broken-commit', { unsafeCommitBeforeProcess: true }, {}, 40);
    expect(report.ok).toBe(false);
    expect(report.faultsInjected['sigkill-in-handler']).toBe(1);
    expect(report.lost).toBeGreaterThan(0);
    expect(report.diff.lost[0]).toMatch(/^broken-commit-.*-k\d+$/);
    expect(report.finalLag).toBe(0); // the broker says "all done": only counting finds the loss
  }, 150_000);

  it('fails with the doubled keys when the handler writes outside the dedup transaction', async () => {
    const report = await brokenRun('broken-dedup', { unsafeBypassDedup: true }, {});
    expect(report.ok).toBe(false);
    expect(report.appliedTwice).toBeGreaterThan(0);
    expect(report.diff.appliedTwice[0]).toMatch(/^broken-dedup-.*-k\d+ applied 2x$/);
    expect(report.balanceMismatches).toBeGreaterThan(0);
  }, 150_000);
});
