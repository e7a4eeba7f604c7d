/** What the broker tools need to know about operating-system processes. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Command line of a live process, or undefined (gone, or a zombie: /proc gives it no args). */
export function commandLine(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (fs.existsSync('/proc/self')) {
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return args.length > 0 ? args.split('\0').join(' ') : undefined;
    } catch {
      return undefined;
    }
  }
  try {
    // No /proc (macOS): ps prints nothing and exits non-zero for an unknown pid.
    const out = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
