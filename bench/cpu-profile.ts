/** Summarises a V8 .cpuprofile (from `node --cpu-prof`): the frames with the most self time. */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FrameSummary {
  frame: string;
  selfPercent: number;
}

/**
 * `window` (monotonic µs, the clock of the profile's sample times) restricts the summary to the
 * samples taken inside it, e.g. the drain, leaving out start-up (module loading, ts-node).
 */
export function summariseProfile(
  file: string,
  window?: [number, number],
  top = 15,
): { totalMs: number; frames: FrameSummary[]; byArea: FrameSummary[] } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  let totalMs = (profile.endTime - profile.startTime) / 1000;
  if (window && profile.samples && profile.timeDeltas) {
    const hits = new Map<number, number>();
    let t = profile.startTime;
    let inWindow = 0;
    profile.samples.forEach((id, i) => {
      t += profile.timeDeltas?.[i] ?? 0;
      if (t >= window[0] && t <= window[1]) {
        hits.set(id, (hits.get(id) ?? 0) + 1);
        inWindow++;
      }
    });
    if (inWindow > 0) {
      for (const node of profile.nodes) node.hitCount = hits.get(node.id) ?? 0;
      totalMs = (window[1] - window[0]) / 1000;
    }
  }
  const totalHits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0) || 1;
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const root = path.resolve(__dirname, '..');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Paths relative to the checkout: packages from `node_modules/` (wherever that really lives),
  // the compiled library and harness under their source names.
  const whereOf = (n: ProfileNode) =>
    n.callFrame.url
      .replace(/^file:\/\//, '')
      .replace(root + '/', '')
      .replace(/^.*\/node_modules\//, 'node_modules/')
      .replace(/^\.bench-build\//, '');
  /**
   * The package that owns a sample: the nearest frame (itself or a caller) in a package, the
   * library or the harness, so a socket write (native, then node:net) counts for pg or kafkajs.
   */
  const ownerOf = (node: ProfileNode): string => {
    const own = areaOf(whereOf(node), node.callFrame.functionName);
    if (own.startsWith('(') && own !== '(native code)') return own; // (idle), (garbage collector), (program)
    for (let n: ProfileNode | undefined = node; n; n = byId.get(parent.get(n.id) ?? -1)) {
      const area = areaOf(whereOf(n), n.callFrame.functionName);
      if (area !== 'node core' && area !== '(native code)' && area !== '(root)') return area;
    }
    return own;
  };
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, lineNumber } = node.callFrame;
    const where = whereOf(node);
    const name =
      `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
    self.set(name, (self.get(name) ?? 0) + hits);
    const area = ownerOf(node);
    areas.set(area, (areas.get(area) ?? 0) + hits);
  }
  const ranked = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, n)
      .map(([frame, hits]) => ({ frame, selfPercent: (100 * hits) / totalHits }));
  return { totalMs, frames: ranked(self, top), byArea: ranked(areas, 12) };
}

/** A coarse owner of a frame, to see where the time goes at a glance. */
function areaOf(where: string, functionName: string): string {
  if (!where) return functionName.startsWith('(') ? functionName : '(native code)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where);
  if (nm) return `node_modules/${nm[1]}`;
  if (where.startsWith('libs/reliable-kafka')) return 'libs/reliable-kafka';
  if (where.startsWith('node:')) return 'node core';
  if (where.startsWith('bench/')) return 'bench harness';
  return where.split('/')[0];
}
