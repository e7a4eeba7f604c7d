/**
 * Proof on a replicated cluster (CI profile): three KRaft nodes of the suite's own, topics with RF 3
 * and min.insync.replicas 2. Partition leaders, the group coordinator and the active controller
 * are SIGKILLed and started again while ReliableProducer sends and the workers process; two of
 * the three nodes go down once. Then every message is counted, on the consumer side, on the
 * producer side (acknowledged means on the topic) and in the outbox.
 * The long profile: `npm run test:faults -- --cluster --long` (docs/faults.md).
 */
import { formatClusterReport } from './cluster-report';
import { runClusterScenario } from './cluster-scenario';
import { FaultEnvironment } from './fault-environment';
import { contractViolations, NO_VIOLATIONS } from './fault-report';
import { sendAfterGhostBatch } from './ghost-batch';
import { leaderLossWithFrozenFollowers } from './leader-loss';
import { clusterScenario } from './profiles';
import { killRunningWorkers } from './worker-pool';
import { log, runSeed } from './spec-run';

const seed = runSeed;

describe('fault injection on a replicated cluster: every acknowledged record counted (own three nodes and PostgreSQL)', () => {
  let env: FaultEnvironment | undefined;

  beforeAll(async () => {
    env = await FaultEnvironment.start(log, 'cluster');
  }, 240_000);

  afterAll(async () => {
    killRunningWorkers();
    await env?.stop();
  }, 120_000);

  it('leaders, the coordinator and the controller killed, two nodes down once: lost 0, applied twice 0, acknowledged-and-missing 0, outbox complete, lag 0', async () => {
    const options = { ...clusterScenario('ci', seed), log };
    log(`[faults] cluster seed ${seed} (replay: RK_FAULTS_SEED=${seed})`);
    const report = await runClusterScenario(env!, options);
    log(`\n${formatClusterReport(report)}\n`);

    expect(contractViolations(report)).toEqual(NO_VIOLATIONS);
    const c = report.cluster;
    expect({
      acknowledgedMissing: c.producer.acknowledgedMissing,
      missing: c.producer.missing,
      failedUntyped: c.producer.failedUntyped,
      failedAfterDeliveryTimeout: c.producer.failedAfterDeliveryTimeout,
      outboxMissing: c.outbox.missing,
      health: c.health.map(({ downWhileBelowMinIsr, upAfter }) => ({
        downWhileBelowMinIsr,
        upAfter,
      })),
    }).toEqual({
      acknowledgedMissing: 0,
      missing: [],
      failedUntyped: 0,
      failedAfterDeliveryTimeout: 0,
      outboxMissing: 0,
      health: [{ downWhileBelowMinIsr: true, upAfter: true }],
    });
    // Every fault of the plan happened, and each kind of failover let consumption resume.
    const kinds = c.faults.map((f) => f.kind);
    expect({
      leader: kinds.filter((k) => k === 'leader-kill').length,
      coordinator: kinds.filter((k) => k === 'coordinator-kill').length,
      controller: kinds.filter((k) => k === 'controller-kill').length,
      belowMinIsr: kinds.filter((k) => k === 'below-min-isr').length,
      resumedAfterEach: c.stalls.every((s) => s.stallMs !== null),
    }).toEqual({
      leader: 3,
      coordinator: 1,
      controller: 1,
      belowMinIsr: 1,
      resumedAfterEach: true,
    });
    // While two nodes were down, sends failed with the library's typed error and were sent again.
    expect(c.producer.failedBy.DeliveryTimeoutError ?? 0).toBeGreaterThan(0);
    expect(c.producer.acknowledged).toBeGreaterThanOrEqual(report.messages.sent);
    expect(report.ok).toBe(true);
  }, 360_000);

  it('acks=1 (broken on purpose): a leader killed after its frozen followers missed the records loses acknowledged ones, and the check reports them; acks=all under the same fault loses none', async () => {
    const dbUrl = await env!.createDatabase(`faults_leader_loss_${process.pid}`);
    const broken = await leaderLossWithFrozenFollowers(env!, dbUrl, 1);
    log(`[faults] acks=1: ${JSON.stringify(broken)}`);
    expect(broken.newLeader).not.toBe(broken.leader);
    expect(broken.check.acknowledgedMissing).toBeGreaterThan(0);
    expect(broken.check.missing[0]).toMatch(
      /^faults-acks-1-.*-r\d+ 0@\d+ .*the key is nowhere on the topic\)$/,
    );

    const safe = await leaderLossWithFrozenFollowers(env!, dbUrl, 'all');
    log(`[faults] acks=all: ${JSON.stringify(safe)}`);
    expect(safe.newLeader).not.toBe(safe.leader);
    expect(safe.check.acknowledgedMissing).toBe(0);
    // Every record was acknowledged in the end, after the failover.
    expect(safe.check.acknowledged).toBeGreaterThanOrEqual(5 + safe.sentWhileFrozen);
  }, 240_000);

  it('a send that failed although the leader appended it: the next batch of as many records is written as itself, not taken for a duplicate of the failed one', async () => {
    const dbUrl = await env!.createDatabase(`faults_ghost_${process.pid}`);
    const run = await sendAfterGhostBatch(env!, dbUrl);
    log(`[faults] ghost batch: ${JSON.stringify(run)}`);
    expect(run.ghostWritten).toBe(true); // the fault happened: written, though reported failed
    expect(run.check.failedBy).toEqual({ DeliveryTimeoutError: 2 });
    expect(run.nextAcknowledged).toBe(true);
    expect({ missing: run.check.acknowledgedMissing, which: run.check.missing }).toEqual({
      missing: 0,
      which: [],
    });
  }, 120_000);
});
