import type { CommitStrategy, ProcessingOptions } from '@reliable-kafka/nestjs';

export type ContenderKind =
  | 'a-kafkajs-noop'
  | 'b-kafkajs-typeorm'
  | 'c-nest-transport'
  | 'd-lib-sequential'
  | 'e-lib-batch'
  | 'f-lib-key-concurrency'
  | 'g-lib-batch-handler';

export interface Contender {
  /** Short id used in tables and file names. */
  id: string;
  kind: ContenderKind;
  label: string;
  /** Does it write to the database (and so get balances checked)? */
  writes: boolean;
  /** Does it keep dedup records (the library modes)? */
  dedup: boolean;
  processing?: ProcessingOptions;
  /** (g): maxRecords of its @AtLeastOnceBatchHandler. */
  batchHandlerRecords?: number;
  commit?: CommitStrategy;
  /** partitionsConsumedConcurrently of this contender; unset: the run's `--pcc`. */
  partitionsConsumedConcurrently?: number;
}

export interface ContenderSettings {
  batchRecords: number;
  batchHandlerRecords: number;
  keyConcurrency: number;
  commit: CommitStrategy;
}

export function mainContenders(s: ContenderSettings): Contender[] {
  return [
    {
      id: 'a',
      kind: 'a-kafkajs-noop',
      label: 'kafkajs eachBatch no-op, auto-commit',
      writes: false,
      dedup: false,
    },
    {
      id: 'b',
      kind: 'b-kafkajs-typeorm',
      label: 'kafkajs eachMessage + TypeORM tx, no dedup',
      writes: true,
      dedup: false,
    },
    {
      id: 'c',
      kind: 'c-nest-transport',
      label: '@nestjs/microservices Kafka transport, @EventPattern + tx',
      writes: true,
      dedup: false,
    },
    ...libraryContenders(s),
  ];
}

export function libraryContenders(s: ContenderSettings, suffix = ''): Contender[] {
  return [
    {
      id: `d${suffix}`,
      kind: 'd-lib-sequential',
      label: 'ReliableKafka sequential',
      writes: true,
      dedup: true,
      processing: { mode: 'sequential' },
      commit: s.commit,
    },
    {
      id: `e${suffix}`,
      kind: 'e-lib-batch',
      label: `ReliableKafka batch-transaction (maxRecords ${s.batchRecords})`,
      writes: true,
      dedup: true,
      processing: { mode: 'batch-transaction', maxRecords: s.batchRecords },
      commit: s.commit,
    },
    {
      id: `f${suffix}`,
      kind: 'f-lib-key-concurrency',
      label: `ReliableKafka key-concurrency (maxConcurrency ${s.keyConcurrency})`,
      writes: true,
      dedup: true,
      processing: { mode: 'key-concurrency', maxConcurrency: s.keyConcurrency },
      commit: s.commit,
    },
    {
      id: `g${suffix}`,
      kind: 'g-lib-batch-handler',
      label: `ReliableKafka batch handler, set-based UPDATE (maxRecords ${s.batchHandlerRecords})`,
      writes: true,
      dedup: true,
      batchHandlerRecords: s.batchHandlerRecords,
      commit: s.commit,
    },
  ];
}

/**
 * The contenders the batch-mode targets compare, again with `pcc` partitions consumed at once by
 * every one of them (kafkajs and the Nest transport as much as the library): ids `a-pcc`, ...
 */
export function concurrentPartitionContenders(s: ContenderSettings, pcc: number): Contender[] {
  return mainContenders(s)
    .filter((c) => ['a', 'c', 'e', 'g'].includes(c.id))
    .map((c) => ({
      ...c,
      id: `${c.id}-pcc`,
      label: `${c.label}, ${pcc} partitions at once`,
      partitionsConsumedConcurrently: pcc,
    }));
}
