/**
 * The time a failover costs consumers: for each fault, the longest pause of consumption on the
 * partitions the killed nodes led (on every partition when they led none), from the last record
 * processed before the kill to the first one after it.
 */
import type { ClusterFaultEvent, ClusterFaultKind } from './cluster-faults';

/** A record a worker processed: its partition and when (the worker's clock, epoch ms). */
export interface ProcessedAt {
  partition: number;
  at: number;
}

export interface FaultStall {
  kind: ClusterFaultKind;
  nodes: number[];
  partitions: number[];
  /** null when a partition processed nothing after the kill (the run ended first). */
  stallMs: number | null;
}

export interface StallSummary {
  kills: number;
  p50Ms: number | null;
  maxMs: number | null;
}

export function faultStalls(
  faults: ClusterFaultEvent[],
  processed: ProcessedAt[],
  allPartitions: number[],
): FaultStall[] {
  const byPartition = new Map<number, number[]>();
  for (const r of processed) {
    const times = byPartition.get(r.partition) ?? [];
    times.push(r.at);
    byPartition.set(r.partition, times);
  }
  for (const times of byPartition.values()) times.sort((a, b) => a - b);
  return faults.map((fault) => {
    const partitions = fault.ledPartitions.length ? fault.ledPartitions : allPartitions;
    let stallMs: number | null = 0;
    for (const p of partitions) {
      const times = byPartition.get(p) ?? [];
      const after = times.find((t) => t > fault.killedAt);
      if (after === undefined) {
        stallMs = null;
        break;
      }
      const before = [...times].reverse().find((t) => t <= fault.killedAt) ?? fault.killedAt;
      stallMs = Math.max(stallMs, after - before);
    }
    return { kind: fault.kind, nodes: fault.nodes, partitions, stallMs };
  });
}

/** p50 and max of the stalls of one kind of fault. */
export function summarizeStalls(stalls: FaultStall[], kind: ClusterFaultKind): StallSummary {
  const of = stalls.filter((s) => s.kind === kind);
  const ms = of
    .map((s) => s.stallMs)
    .filter((v): v is number => v !== null)
    .sort((a, b) => a - b);
  return {
    kills: of.length,
    p50Ms: ms.length ? ms[Math.floor((ms.length - 1) / 2)] : null,
    maxMs: ms.length ? ms[ms.length - 1] : null,
  };
}
