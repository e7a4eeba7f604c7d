import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** A consumer running as a real child process, so it can be SIGKILLed like a crashing pod. */
export class WorkerProcess {
  readonly lines: string[] = [];
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcess) {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
      if (process.env.RK_TEST_LOG) process.stderr.write(chunk);
    });
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    this.stderrTail = () => stderr;
  }

  readonly stderrTail: () => string;

  /** Starts `script` (TypeScript, relative to the repo root) with `config` in RK_WORKER_CONFIG. */
  static async start(
    script: string,
    config: unknown,
    readyTimeoutMs = 60_000,
    /** Extra environment variables of the child (e.g. a test-only switch). */
    env: Record<string, string> = {},
  ): Promise<WorkerProcess> {
    const child = spawn(process.execPath, ['-r', 'ts-node/register', path.join(ROOT, script)], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...env,
        RK_WORKER_CONFIG: JSON.stringify(config),
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = new WorkerProcess(child);
    const deadline = Date.now() + readyTimeoutMs;
    while (!worker.lines.includes('READY')) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`worker ${script} did not become ready: ${worker.stderrTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return worker;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** Waits for the process to end (killing it after the timeout). */
  async exit(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.kill('SIGTERM');
    await this.exit();
  }
}
