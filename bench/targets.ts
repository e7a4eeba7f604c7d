/** The performance targets, judged from the measured contenders, and the speed ratio they use. */
import type { ContenderResult, TargetResult } from './bench-results';

export function ratio(x: number | null | undefined, y: number | null | undefined): number | null {
  return x && y ? x / y : null;
}

export function evaluateTargets(main: ContenderResult[], one: ContenderResult[]): TargetResult[] {
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
  const e = 'batch-transaction, per-record handler (e)';
  const g = 'batch handler, set-based UPDATE (g)';
  judge(`${e} >= 50% of raw kafkajs no-op (e/a)`, ratio(speed(main, 'e'), speed(main, 'a')), 0.5, percent, { id: 'e', partitions: 'all' });
  judge(`${g} >= 50% of raw kafkajs no-op (g/a)`, ratio(speed(main, 'g'), speed(main, 'a')), 0.5, percent, { id: 'g', partitions: 'all' });
  judge(`${e} >= 10x Nest Kafka transport (e/c)`, ratio(speed(main, 'e'), speed(main, 'c')), 10, times, { id: 'e', partitions: 'all' });
  judge(`${g} >= 10x Nest Kafka transport (g/c)`, ratio(speed(main, 'g'), speed(main, 'c')), 10, times, { id: 'g', partitions: 'all' });
  judge(
    'key-concurrency >= 3x sequential on one partition (f1/d1)',
    ratio(speed(one, 'f1'), speed(one, 'd1')),
    3,
    times,
    { id: 'f1', partitions: 1 },
  );
  const library = main.filter((r) => ['d', 'e', 'f', 'g'].includes(r.id) && r.peakRssDrainMb);
  const worst = library.reduce<ContenderResult | undefined>(
    (max, r) => (!max || (r.peakRssDrainMb ?? 0) > (max.peakRssDrainMb ?? 0) ? r : max),
    undefined,
  );
  targets.push({
    name: `peak RSS < 300 MB while draining (library modes d, e, f, g, backlog ${main[0]?.backlog ?? '?'})`,
    pass: worst ? (worst.peakRssDrainMb ?? 0) < 300 : null,
    measured: worst ? `${(worst.peakRssDrainMb ?? 0).toFixed(0)} MB (${worst.id})` : 'not measured',
    profile: worst ? { id: worst.id, partitions: 'all' } : null,
  });
  return targets;
}
