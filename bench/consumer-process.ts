/**
 * The parent's handle on one consumer child process: fork of the compiled child, its progress and
 * reports over IPC, a clean stop; and the peak RSS of a process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildConfig, ChildProgress, ChildReport } from './consumer-child';
import { BUILD_DIR, cleanup, ROOT, sleep } from './harness';

export function vmHwmMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status);
    return kb ? Number(kb[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export class Child {
  progress: ChildProgress = {
    type: 'progress',
    drained: 0,
    firstDrainAt: null,
    lastDrainAt: null,
    firstDrainUs: null,
    lastDrainUs: null,
    latencyCount: 0,
    rssPeak: 0,
    rssAtReady: 0,
  };
  ready = false;
  exited = false;
  stderr = '';
  private reportWaiter?: (r: ChildReport) => void;
  private readonly exitPromise: Promise<void>;

  constructor(readonly proc: ChildProcess) {
    cleanup.children.add(proc);
    proc.on('message', (m: { type: string }) => {
      if (m.type === 'ready') this.ready = true;
      if (m.type === 'progress') this.progress = m as ChildProgress;
      if (m.type === 'report') this.reportWaiter?.(m as ChildReport);
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
      if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
    });
    this.exitPromise = new Promise((resolve) =>
      proc.on('exit', () => {
        this.exited = true;
        cleanup.children.delete(proc);
        resolve();
      }),
    );
  }

  /** Runs the compiled child, as a production app runs: no TypeScript compiler in the process. */
  static start(config: ChildConfig, execArgv: string[] = []): Child {
    const proc = fork(path.join(BUILD_DIR, 'bench', 'consumer-child.js'), [], {
      cwd: ROOT,
      execArgv,
      env: {
        ...process.env,
        BENCH_CHILD_CONFIG: JSON.stringify(config),
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    return new Child(proc);
  }

  async waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.exited)
        throw new Error(`consumer exited while waiting for ${what}: ${this.stderr.slice(-1500)}`);
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
    return true;
  }

  async report(timeoutMs = 10_000): Promise<ChildReport | null> {
    if (this.exited) return null;
    const answer = new Promise<ChildReport>((resolve) => (this.reportWaiter = resolve));
    this.proc.send({ type: 'report' });
    return Promise.race([answer, sleep(timeoutMs).then(() => null)]);
  }

  /** Clean stop over IPC (so a CPU profile gets written); SIGKILL after the timeout. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.exited) return;
    try {
      this.proc.send({ type: 'stop' });
    } catch {
      this.proc.kill('SIGTERM');
    }
    const timer = setTimeout(() => {
      if (!this.exited) this.proc.kill('SIGKILL');
    }, timeoutMs);
    await this.exitPromise;
    clearTimeout(timer);
  }
}
