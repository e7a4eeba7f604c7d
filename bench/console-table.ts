/** Number formatting and the plain-text tables the benchmark prints to the console. */

export function fmt(n: number | null | undefined, digits = 0): string {
  return n === null || n === undefined ? '-' : n.toFixed(digits);
}

export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
