/** The performance targets, judged from the measured contenders, and the speed ratio they use. */
import type { CeilingResult } from './bench-db';
import type { BenchOptions } from './bench-options';
import type { ContenderResult, TargetResult } from './bench-results';

export function ratio(x: number | null | undefined, y: number | null | undefined): number | null {
  return x && y ? x / y : null;
}

export function evaluateTargets(
  main: ContenderResult[],
  one: ContenderResult[],
  concurrent: ContenderResult[],
  ceiling: CeilingResult[],
  opts: Pick<
    BenchOptions,
    'concurrentPcc' | 'batchHandlerRecords' | 'keyConcurrency' | 'partitionsConsumedConcurrently'
  >,
): TargetResult[] {
  const by = (rows: ContenderResult[], id: string) => rows.find((r) => r.id === id);
  const speed = (rows: ContenderResult[], id: string) => by(rows, id)?.messagesPerSec;
  const targets: TargetResult[] = [];
  const judge = (
    name: string,
    value: number | null,
    threshold: number,
    show: (v: number) => string,
    profile: TargetResult['profile'],
  ) =>
    targets.push({
      name,
      pass: value === null ? null : value >= threshold,
      measured: value === null ? 'not measured' : show(value),
      profile,
    });
  const percent = (v: number) => `${(v * 100).toFixed(1)}%`;
  const times = (v: number) => `${v.toFixed(2)}x`;
  // kafkajs fetches the next batch only when every partition's batch of the last fetch is handled,
  // and with one partition at a time the handling is serial too: fetching and decoding take what
  // they take in (a), and the database what it takes for these records at best (its ceiling).
  const a = speed(main, 'a');
  const db = ceiling.find(
    (c) => c.update === 'set-based' && c.batch === opts.batchHandlerRecords && c.connections === 1,
  );
  const serialBound =
    a && db && opts.partitionsConsumedConcurrently === 1
      ? ` (one partition at a time bounds it at ${percent(1 / (1 / a + 1 / db.messagesPerSec) / a)}: (a)'s time plus the database ceiling's for ${db.batch}-message transactions)`
      : '';
  /** The batch modes against (a) and (c) of one scenario: ids carry its suffix (`e-pcc`, ...). */
  const judgeBatchModes = (
    rows: ContenderResult[],
    suffix: string,
    scenario: string,
    gaNote: string,
  ) => {
    const r = (x: string, y: string) => ratio(speed(rows, x + suffix), speed(rows, y + suffix));
    const ids = (x: string, y: string) => `(${x}${suffix}/${y}${suffix})`;
    const e = 'batch-transaction, per-record handler (e)';
    const g = 'batch handler, set-based UPDATE (g)';
    judge(
      `${e} >= 50% of raw kafkajs no-op${scenario} ${ids('e', 'a')}`,
      r('e', 'a'),
      0.5,
      percent,
      { id: `e${suffix}` },
    );
    judge(
      `${g} >= 50% of raw kafkajs no-op${scenario} ${ids('g', 'a')}`,
      r('g', 'a'),
      0.5,
      (v) => percent(v) + gaNote,
      { id: `g${suffix}` },
    );
    judge(`${e} >= 10x Nest Kafka transport${scenario} ${ids('e', 'c')}`, r('e', 'c'), 10, times, {
      id: `e${suffix}`,
    });
    judge(`${g} >= 10x Nest Kafka transport${scenario} ${ids('g', 'c')}`, r('g', 'c'), 10, times, {
      id: `g${suffix}`,
    });
  };
  judgeBatchModes(main, '', '', serialBound);
  if (concurrent.length)
    judgeBatchModes(
      concurrent,
      '-pcc',
      `, every contender with ${opts.concurrentPcc} partitions at once`,
      '',
    );
  // Confluent's client fetches in the background (librdkafka's threads), so the batch handler
  // should come near the raw client even one partition at a time; and the library on it should be
  // at least as fast as on kafkajs.
  const judgeConfluent = (rows: ContenderResult[], suffix: string, scenario: string) => {
    const r = (x: string, y: string) => ratio(speed(rows, x + suffix), speed(rows, y + suffix));
    const ids = (x: string, y: string) => `(${x}${suffix}/${y}${suffix})`;
    judge(
      `batch handler on Confluent >= 60% of raw Confluent no-op${scenario} ${ids('g-ck', 'a-ck')}`,
      r('g-ck', 'a-ck'),
      0.6,
      percent,
      { id: `g-ck${suffix}` },
    );
    if (!suffix)
      judge(
        `sequential on Confluent >= sequential on kafkajs${scenario} ${ids('d-ck', 'd')}`,
        r('d-ck', 'd'),
        1,
        times,
        { id: 'd-ck' },
      );
    judge(
      `batch handler on Confluent >= batch handler on kafkajs${scenario} ${ids('g-ck', 'g')}`,
      r('g-ck', 'g'),
      1,
      times,
      { id: `g-ck${suffix}` },
    );
  };
  judgeConfluent(main, '', ', one partition at a time');
  if (concurrent.length)
    judgeConfluent(concurrent, '-pcc', `, ${opts.concurrentPcc} partitions at once`);
  // The same transactions straight from pg, as many connections as key concurrency uses against one.
  const oneTx = (connections: number) =>
    ceiling.find(
      (c) => c.batch === 1 && c.update === 'per-message' && c.connections === connections,
    );
  const single = oneTx(1);
  const wide = opts.keyConcurrency > 1 ? oneTx(opts.keyConcurrency) : undefined;
  const dbScaling =
    single && wide
      ? ` (the database alone, same transactions from pg, ${wide.connections} connections vs 1: ${times(wide.messagesPerSec / single.messagesPerSec)})`
      : '';
  judge(
    'key-concurrency >= 3x sequential on one partition (f1/d1)',
    ratio(speed(one, 'f1'), speed(one, 'd1')),
    3,
    (v) => times(v) + dbScaling,
    { id: 'f1' },
  );
  const library = [...main, ...concurrent].filter(
    (r) => ['d', 'e', 'f', 'g'].includes(r.id[0]) && r.peakRssDrainMb,
  );
  const worst = library.reduce<ContenderResult | undefined>(
    (max, r) => (!max || (r.peakRssDrainMb ?? 0) > (max.peakRssDrainMb ?? 0) ? r : max),
    undefined,
  );
  targets.push({
    name: `peak RSS < 300 MB while draining (library modes ${library.map((r) => r.id).join(', ') || 'd, e, f, g'}, backlog ${library[0]?.backlog ?? main[0]?.backlog ?? '?'})`,
    pass: worst ? (worst.peakRssDrainMb ?? 0) < 300 : null,
    measured: worst ? `${(worst.peakRssDrainMb ?? 0).toFixed(0)} MB (${worst.id})` : 'not measured',
    profile: worst ? { id: worst.id } : null,
  });
  return targets;
}
