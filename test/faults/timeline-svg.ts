/**
 * A run's timeline as an SVG picture: records processed per second and the group's lag over time,
 * with each fault drawn on the time axis (a mark when the nodes were killed, a band until they
 * answered again), so that a failover and the recovery after it can be seen at a glance.
 */
import type { ClusterFaultEvent, ClusterFaultKind } from './cluster-faults';

export interface TimelineSample {
  at: number;
  /** Records processed so far, every worker together. */
  processed: number;
  /** The group's lag from the broker's committed offsets; null when the broker did not answer. */
  lag: number | null;
}

const W = 960;
const H = 360;
const M = { left: 64, right: 64, top: 48, bottom: 40 };
const LABEL: Record<ClusterFaultKind, string> = {
  'leader-kill': 'L',
  'coordinator-kill': 'C',
  'controller-kill': 'Q',
  'below-min-isr': 'M',
};

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / step) * step;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function timelineSvg(
  title: string,
  began: number,
  samples: TimelineSample[],
  faults: ClusterFaultEvent[],
): string {
  const end = Math.max(began + 1_000, ...samples.map((s) => s.at));
  const seconds = (end - began) / 1000;
  const rates = samples.slice(1).map((s, i) => ({
    at: s.at,
    from: samples[i].at,
    rate: (s.processed - samples[i].processed) / Math.max(0.001, (s.at - samples[i].at) / 1000),
  }));
  const rateMax = niceMax(Math.max(0, ...rates.map((r) => r.rate)));
  const lagMax = niceMax(Math.max(0, ...samples.map((s) => s.lag ?? 0)));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (at: number) => M.left + ((at - began) / 1000 / seconds) * plotW;
  const yRate = (v: number) => M.top + plotH - (v / rateMax) * plotH;
  const yLag = (v: number) => M.top + plotH - (v / lagMax) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="18" font-size="13" font-weight="bold">${escape(title)}</text>`,
    `<text x="${M.left}" y="34" fill="#555">bars: records processed/s (left) · line: group lag (right) · red: node killed until it answered again (L leader, C coordinator, Q controller, M two of three nodes)</text>`,
  );
  for (const f of faults) {
    const x0 = x(f.killedAt);
    const x1 = Math.max(x0 + 1, x(f.restartedAt));
    out.push(
      `<rect x="${x0.toFixed(1)}" y="${M.top}" width="${(x1 - x0).toFixed(1)}" height="${plotH}" fill="#f4c7c3" opacity="0.6"/>`,
      `<line x1="${x0.toFixed(1)}" x2="${x0.toFixed(1)}" y1="${M.top}" y2="${M.top + plotH}" stroke="#c62828" stroke-width="1"/>`,
      `<text x="${x0.toFixed(1)}" y="${M.top - 3}" fill="#c62828" text-anchor="middle">${LABEL[f.kind]}${faults.length <= 40 ? f.nodes.join('+') : ''}</text>`,
    );
  }
  for (const r of rates) {
    const x0 = x(r.from);
    const width = Math.max(0.5, x(r.at) - x0 - 0.5);
    out.push(
      `<rect x="${x0.toFixed(1)}" y="${yRate(r.rate).toFixed(1)}" width="${width.toFixed(1)}" height="${(M.top + plotH - yRate(r.rate)).toFixed(1)}" fill="#4a78b5"/>`,
    );
  }
  const lagPoints = samples
    .filter((s) => s.lag !== null)
    .map((s) => `${x(s.at).toFixed(1)},${yLag(s.lag!).toFixed(1)}`);
  if (lagPoints.length)
    out.push(
      `<polyline points="${lagPoints.join(' ')}" fill="none" stroke="#ef8a17" stroke-width="1.5"/>`,
    );
  // Axes: time below, the rate on the left, the lag on the right.
  out.push(
    `<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#333"/>`,
    `<line x1="${M.left + plotW}" x2="${M.left + plotW}" y1="${M.top}" y2="${M.top + plotH}" stroke="#333"/>`,
  );
  for (let i = 0; i <= 5; i++) {
    const t = (seconds * i) / 5;
    const tx = M.left + (plotW * i) / 5;
    out.push(
      `<text x="${tx.toFixed(1)}" y="${M.top + plotH + 16}" text-anchor="middle">${t.toFixed(0)} s</text>`,
    );
    const v = i / 5;
    const ty = M.top + plotH - plotH * v;
    out.push(
      `<text x="${M.left - 6}" y="${(ty + 4).toFixed(1)}" text-anchor="end" fill="#4a78b5">${Math.round(rateMax * v)}</text>`,
      `<text x="${M.left + plotW + 6}" y="${(ty + 4).toFixed(1)}" fill="#ef8a17">${Math.round(lagMax * v)}</text>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
