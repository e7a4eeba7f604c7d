/**
 * The counting after a cluster scenario: the single-broker checker's counts (fault-check.ts),
 * then the producer's acknowledgements against the topic, the outbox, the failover stalls and the
 * health verdicts around the below-min-ISR faults; the report with its timeline SVG beside it.
 */
import * as fs from 'node:fs';
import type { AckedProducer } from './acked-producer';
import type { ClusterFaultEvent, ClusterFaultKind } from './cluster-faults';
import type { ClusterScenarioOptions } from './cluster-scenario';
import {
  faultStalls,
  summarizeStalls,
  type FaultStall,
  type StallSummary,
} from './failover-stalls';
import { check } from './fault-check';
import type { FaultEnvironment } from './fault-environment';
import { readTopic } from './fault-kafka';
import { REPORT_FILE, type FaultReport } from './fault-report';
import type { ScenarioOptions } from './fault-suite';
import type { FaultMessage } from './fault-worker';
import { checkOutbox, checkProducer, type OutboxCheck, type ProducerCheck } from './producer-check';
import { timelineSvg, type TimelineSample } from './timeline-svg';
import type { WorkerPool } from './worker-pool';

export interface ClusterReport extends FaultReport {
  cluster: {
    faults: ClusterFaultEvent[];
    producer: ProducerCheck;
    outbox: OutboxCheck;
    stalls: FaultStall[];
    /** The longest pause of consumption across each kind of fault, p50 and max over the faults. */
    stallSummary: Partial<Record<ClusterFaultKind, StallSummary>>;
    /** Per below-min-ISR fault: the health indicator said down while it lasted, and up after. */
    health: HealthAroundFault[];
    /** Records processed while two nodes were down (consumers stall, but records in hand finish). */
    processedWhileBelowMinIsr: number;
    timelineFile?: string;
  };
}

/** The counting after a run, and the report with its timeline. */
export async function countAndReport(
  env: FaultEnvironment,
  options: ClusterScenarioOptions,
  run: {
    kafka: ReturnType<FaultEnvironment['kafka']>;
    runId: string;
    topic: string;
    dlqTopic: string;
    outboxTopic: string;
    groupId: string;
    dbUrl: string;
    messages: FaultMessage[];
    order: FaultMessage[];
    resent: number;
    pool: WorkerPool;
    injected: Record<string, number>;
    began: number;
    producer: AckedProducer;
    faults: ClusterFaultEvent[];
    samples: TimelineSample[];
    caughtUpAt: number;
  },
): Promise<ClusterReport> {
  const { kafka, runId, topic, dlqTopic, outboxTopic, groupId, dbUrl, messages, order } = run;
  const { resent, pool, injected, began, producer, faults, samples, caughtUpAt } = run;
  const source = await readTopic(kafka, topic);
  const base = await check({
    env,
    kafka,
    options: asScenarioOptions(options),
    runId,
    topic,
    dlqTopic,
    groupId,
    dbUrl,
    messages,
    sentCount: order.length,
    resent,
    pool,
    injected,
    began,
    source,
  });
  const producerCheck = checkProducer(producer.acked, producer.failed, source, options);
  const outboxCheck = checkOutbox(messages, await readTopic(kafka, outboxTopic));

  const processed = pool.all.flatMap((w) =>
    w.lines
      .filter((l) => l.startsWith('P '))
      .map((l) => {
        const [, , partition, , at] = l.split(' ');
        return { partition: Number(partition), at: Number(at) };
      }),
  );
  const allPartitions = Array.from({ length: options.partitions }, (_, p) => p);
  const stalls = faultStalls(faults, processed, allPartitions);
  const stallSummary: ClusterReport['cluster']['stallSummary'] = {};
  for (const kind of new Set(faults.map((f) => f.kind)))
    stallSummary[kind] = summarizeStalls(stalls, kind);
  const belowMinIsr = faults.filter((f) => f.kind === 'below-min-isr');
  const health = belowMinIsr.map((f) => healthAround(pool, f, caughtUpAt));
  const processedWhileBelowMinIsr = belowMinIsr.reduce(
    (n, f) => n + processed.filter((r) => r.at > f.killedAt && r.at < f.restartedAt).length,
    0,
  );

  const report: ClusterReport = {
    ...base,
    cluster: {
      faults,
      producer: producerCheck,
      outbox: outboxCheck,
      stalls,
      stallSummary,
      health,
      processedWhileBelowMinIsr,
    },
  };
  report.ok =
    base.ok &&
    producerCheck.acknowledgedMissing === 0 &&
    producerCheck.failedUntyped === 0 &&
    producerCheck.failedAfterDeliveryTimeout === 0 &&
    outboxCheck.missing === 0 &&
    health.every((h) => h.downWhileBelowMinIsr && h.upAfter);

  const reportFile = options.reportFile === undefined ? REPORT_FILE : options.reportFile;
  if (reportFile) {
    report.cluster.timelineFile = reportFile.replace(/\.json$/, '') + '.svg';
    fs.writeFileSync(
      report.cluster.timelineFile,
      timelineSvg(
        `${options.name}: ${options.messages} messages, ${faults.length} faults on a three-node cluster`,
        began,
        samples,
        faults,
      ),
    );
    fs.writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  }
  return report;
}

/** What fault-check.ts reads of a scenario's settings. */
function asScenarioOptions(o: ClusterScenarioOptions): ScenarioOptions {
  return {
    name: o.name,
    messages: o.messages,
    partitions: o.partitions,
    workers: o.workers,
    resendPercent: o.resendPercent,
    poisonPercent: 0,
    transientFailurePercent: 0,
    produceRatePerSec: o.produceRatePerSec,
    faults: {},
    dbOutageMs: 0,
    seed: o.seed,
    timeoutMs: o.timeoutMs,
  };
}

/**
 * The workers' health lines around a below-min-ISR fault: some worker said down while two nodes
 * were down (and why), and every worker that reported between the cluster being whole again and the
 * group having caught up said up last.
 */
function healthAround(
  pool: WorkerPool,
  fault: ClusterFaultEvent,
  caughtUpAt: number,
): HealthAroundFault {
  const verdicts = pool.all.map((w) =>
    w.lines
      .filter((l) => l.startsWith('H '))
      .map((l) => {
        const [, verdict, at, ...why] = l.split(' ');
        return { up: verdict === 'up', at: Number(at), why: why.join(' ') };
      }),
  );
  const during = verdicts.flat().filter((h) => h.at > fault.killedAt && h.at < fault.restartedAt);
  const reasons = [
    ...new Set(
      during
        .filter((h) => !h.up)
        .flatMap((h) => h.why.split('; '))
        .map((why) => why.replace(/\[\d+\]/g, '[n]').replace(/\d+ ms/g, 'N ms')),
    ),
  ];
  // The last verdict of each worker before the group had caught up (a worker being stopped says down).
  const lastAfter = verdicts
    .map((v) => v.filter((h) => h.at > fault.inSyncAt && h.at <= caughtUpAt).pop())
    .filter((h) => h !== undefined);
  return {
    downWhileBelowMinIsr: during.some((h) => !h.up),
    upAfter: lastAfter.length > 0 && lastAfter.every((h) => h.up),
    reasons,
  };
}

export interface HealthAroundFault {
  downWhileBelowMinIsr: boolean;
  upAfter: boolean;
  /** The problems the workers named while two nodes were down (partition numbers left out). */
  reasons: string[];
}
