/** The shape of a benchmark's results, as written to bench/results/*.json and read by the report. */
import type { CeilingResult, CheckResult } from './bench-db';
import type { BenchOptions } from './bench-options';
import type { FrameSummary } from './cpu-profile';

export interface LatencyPoint {
  offeredRate: number;
  achievedProducerRate: number;
  seconds: number;
  sent: number;
  received: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Last completion of the phase minus the last send: large when the consumer fell behind. */
  catchUpMs: number | null;
  sustained: boolean;
  note?: string;
}

export interface ContenderResult {
  id: string;
  label: string;
  partitions: number;
  backlog: number;
  drained: number;
  complete: boolean;
  drainSeconds: number | null;
  messagesPerSec: number | null;
  latency: LatencyPoint[] | null;
  peakRssDrainMb: number | null;
  /** RSS of the consumer right after start-up, before the first message (module code, connections). */
  rssAtReadyMb: number | null;
  peakRssMb: number | null;
  dbTransactions: number | null;
  transactionsPerMessage: number | null;
  duplicates: number;
  check: CheckResult;
  vsA: number | null;
  vsC: number | null;
  error?: string;
  /** Drain window on the monotonic clock (µs), to cut a CPU profile to it. */
  drainWindowUs?: [number, number];
  profile?: { file: string; totalMs: number; frames: FrameSummary[]; byArea: FrameSummary[] };
}

export interface TargetResult {
  name: string;
  /** The contender to CPU-profile when the target is missed. */
  profile: { id: string } | null;
  pass: boolean | null;
  measured: string;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  machine: {
    nproc: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    kafka: string;
    postgres: string;
    kafkajs: string;
    /** @confluentinc/kafka-javascript and its librdkafka, or 'not installed'. */
    confluent?: string;
    os: string;
    /** `os.loadavg()` (1, 5, 15 min) when the run started and when it ended: the machine is shared. */
    loadAverage: { start: number[]; end: number[] };
  };
  options: BenchOptions;
  dbCeiling: CeilingResult[];
  contenders: ContenderResult[];
  onePartition: ContenderResult[];
  /** a, c, e, g again, each with `options.concurrentPcc` partitions at once (absent in older results). */
  concurrent?: ContenderResult[];
  targets: TargetResult[];
  profiles: ContenderResult[];
  notes: string[];
}
