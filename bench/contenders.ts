import type { CommitStrategy, ProcessingOptions } from '@reliable-kafka/nestjs';

export type ContenderKind =
  | 'a-kafkajs-noop'
  | 'a-confluent-noop'
  | 'b-kafkajs-typeorm'
  | 'c-nest-transport'
  | 'd-lib-sequential'
  | 'e-lib-batch'
  | 'f-lib-key-concurrency'
  | 'g-lib-batch-handler';

/** The Kafka client a contender consumes with. */
export type BenchClient = 'kafkajs' | 'confluent';

export interface Contender {
  /** Short id used in tables and file names. */
  id: string;
  kind: ContenderKind;
  /** Unset: kafkajs. */
  client?: BenchClient;
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
    ...confluentContenders(s),
  ];
}

/**
 * The same work on Confluent's client (`-ck`): its raw eachBatch no-op, the library sequential and
 * the library's batch handler. The raw no-op is given the batch size the library asks the client
 * for in (g-ck) (`js.consumer.max.batch.size`), so that the two differ only by the library's work.
 */
export function confluentContenders(s: ContenderSettings): Contender[] {
  const library = libraryContenders(s);
  const of = (id: string) => library.find((c) => c.id === id)!;
  return [
    {
      id: 'a-ck',
      kind: 'a-confluent-noop',
      client: 'confluent',
      label: `Confluent eachBatch no-op, auto-commit (batches of ${s.batchHandlerRecords})`,
      writes: false,
      dedup: false,
      batchHandlerRecords: s.batchHandlerRecords,
    },
    { ...of('d'), id: 'd-ck', client: 'confluent', label: `${of('d').label}, Confluent client` },
    { ...of('g'), id: 'g-ck', client: 'confluent', label: `${of('g').label}, Confluent client` },
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
    .filter((c) => ['a', 'c', 'e', 'g', 'a-ck', 'g-ck'].includes(c.id))
    .map((c) => ({
      ...c,
      id: `${c.id}-pcc`,
      label: `${c.label}, ${pcc} partitions at once`,
      partitionsConsumedConcurrently: pcc,
    }));
}
