/** The benchmark's command-line options (`npm run bench -- --messages N ...`) and their parser. */
import type { CommitStrategy } from '@reliable-kafka/nestjs';

export interface BenchOptions {
  messages: number;
  partitions: number;
  accounts: number;
  messageBytes: number;
  rates: number[];
  latencySeconds: number;
  onePartitionMessages: number;
  profileMessages: number;
  batchRecords: number;
  batchHandlerRecords: number;
  keyConcurrency: number;
  commit: CommitStrategy;
  partitionsConsumedConcurrently: number;
  /** partitionsConsumedConcurrently of the second scenario (a, c, e, g with partitions at once). */
  concurrentPcc: number;
  poolSize: number;
  ceilingSeconds: number;
  only?: string[];
  profile: boolean;
  /** Contenders to profile whatever the targets say (`--profile d,f1`). */
  profileIds: string[];
  doc: boolean;
  /** librdkafka properties for the Confluent contenders (`--librdkafka queued.max.messages.kbytes=16384`). */
  librdkafka: Record<string, string>;
  /** `max.partition.fetch.bytes` of every contender (`--max-bytes-per-partition 32768`); each client's default (1 MiB) when absent. */
  maxBytesPerPartition?: number;
}

export function parseArgs(argv: string[]): BenchOptions {
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [name, inline] = a.slice(2).split('=', 2);
    if (inline !== undefined) args.set(name, inline);
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) args.set(name, argv[++i]);
    else flags.add(name);
  }
  const quick = flags.has('quick');
  const num = (name: string, def: number) => {
    const v = args.get(name);
    if (v === undefined) return def;
    const n = Number(v.replace(/_/g, '').replace(/k$/i, '000'));
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`--${name} must be a positive number, got ${v}`);
    return n;
  };
  const messages = num('messages', quick ? 5_000 : 200_000);
  const partitions = num('partitions', 12);
  const commitName = args.get('commit') ?? 'batch';
  const commit: CommitStrategy =
    commitName === 'record'
      ? { strategy: 'record' }
      : commitName === 'periodic'
        ? { strategy: 'periodic', everyRecords: 1000, everyMs: 1000 }
        : commitName === 'batch'
          ? { strategy: 'batch' }
          : (() => {
              throw new Error(`--commit must be record, batch or periodic, got ${commitName}`);
            })();
  const known = new Set([
    'messages',
    'partitions',
    'accounts',
    'message-bytes',
    'rates',
    'latency-seconds',
    'one-partition-messages',
    'profile-messages',
    'batch-records',
    'batch-handler-records',
    'key-concurrency',
    'commit',
    'pcc',
    'concurrent-pcc',
    'pool-size',
    'ceiling-seconds',
    'only',
    'profile',
    'librdkafka',
    'max-bytes-per-partition',
  ]);
  for (const name of args.keys()) if (!known.has(name)) throw new Error(`unknown option --${name}`);
  for (const name of flags)
    if (!['quick', 'no-profile', 'no-doc'].includes(name))
      throw new Error(`unknown flag --${name}`);
  if (flags.has('no-profile') && args.has('profile'))
    throw new Error('--profile and --no-profile contradict each other');
  return {
    messages,
    partitions,
    accounts: num('accounts', 1000),
    messageBytes: num('message-bytes', 1024),
    rates: (args.get('rates') ?? '500,2000').split(',').map((r) => {
      const n = Number(r);
      if (!Number.isFinite(n) || n <= 0)
        throw new Error(
          `--rates must be a comma list of positive numbers, got ${args.get('rates')}`,
        );
      return n;
    }),
    latencySeconds: num('latency-seconds', quick ? 5 : 10),
    onePartitionMessages: num('one-partition-messages', Math.min(messages, quick ? 2_000 : 5_000)),
    profileMessages: num('profile-messages', Math.min(messages, quick ? 5_000 : 15_000)),
    batchRecords: num('batch-records', 100),
    batchHandlerRecords: num('batch-handler-records', 500),
    keyConcurrency: num('key-concurrency', 16),
    commit,
    partitionsConsumedConcurrently: num('pcc', 1),
    concurrentPcc: num('concurrent-pcc', partitions),
    poolSize: num('pool-size', 20),
    ceilingSeconds: num('ceiling-seconds', quick ? 2 : 5),
    only: args
      .get('only')
      ?.split(',')
      .map((s) => s.trim()),
    profile: !flags.has('no-profile'),
    profileIds: (args.get('profile') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    doc: !flags.has('no-doc'),
    librdkafka: librdkafkaProperties(args.get('librdkafka')),
    maxBytesPerPartition: args.has('max-bytes-per-partition')
      ? num('max-bytes-per-partition', 1_048_576)
      : undefined,
  };
}

/** `name=value,name=value` into properties; a malformed entry fails, naming it. */
function librdkafkaProperties(list: string | undefined): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const entry of (list ?? '').split(',').filter(Boolean)) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new Error(`--librdkafka takes name=value,...; got "${entry}"`);
    properties[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
  }
  return properties;
}
