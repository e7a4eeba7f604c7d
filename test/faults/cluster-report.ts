/** The printed table of a cluster scenario: the common counts, then the cluster's own. */
import type { ClusterReport } from './cluster-scenario';
import { formatReport } from './fault-report';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${v} ms`);

export function formatClusterReport(r: ClusterReport): string {
  const c = r.cluster;
  const count = (kind: string) => c.faults.filter((f) => f.kind === kind).length;
  const stall = (kind: keyof ClusterReport['cluster']['stallSummary']) => {
    const s = c.stallSummary[kind];
    return s ? `p50 ${ms(s.p50Ms)}, max ${ms(s.maxMs)} over ${s.kills}` : '-';
  };
  const rows: [string, string | number][] = [
    ['cluster faults: leader SIGKILL + restart', count('leader-kill')],
    ['cluster faults: coordinator SIGKILL + restart', count('coordinator-kill')],
    ['cluster faults: active controller SIGKILL + restart', count('controller-kill')],
    ['cluster faults: two of three nodes down (below min ISR)', count('below-min-isr')],
    ['consumption stall across a leader kill', stall('leader-kill')],
    ['consumption stall across a coordinator kill', stall('coordinator-kill')],
    ['consumption stall across a controller kill', stall('controller-kill')],
    [
      'health down while below min ISR / up after',
      c.health.length
        ? c.health
            .map((h) => `${h.downWhileBelowMinIsr ? 'yes' : 'NO'}/${h.upAfter ? 'yes' : 'NO'}`)
            .join(', ')
        : '-',
    ],
    ['health: why down while below min ISR', c.health.flatMap((h) => h.reasons).join(' | ') || '-'],
    ['records processed while below min ISR', c.processedWhileBelowMinIsr],
    ['producer: acknowledged', c.producer.acknowledged],
    [
      'producer: failed sends (ids written anyway / by error)',
      `${c.producer.failed} (${c.producer.failedButWritten} / ${JSON.stringify(c.producer.failedBy)})`,
    ],
    ['producer: causes of the failed sends', JSON.stringify(c.producer.failedCauses)],
    [
      'producer: failed untyped / after the delivery timeout',
      `${c.producer.failedUntyped} / ${c.producer.failedAfterDeliveryTimeout}`,
    ],
    ['ACKNOWLEDGED AND MISSING', c.producer.acknowledgedMissing],
    [
      'outbox: records / missing / published twice',
      `${c.outbox.records} / ${c.outbox.missing} / ${c.outbox.duplicated}`,
    ],
    ['timeline', c.timelineFile ?? '-'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  if (c.producer.missing.length)
    lines.push(`acknowledged and missing: ${c.producer.missing.slice(0, 10).join(', ')}`);
  return `${formatReport(r)}\n${lines.join('\n')}`;
}
