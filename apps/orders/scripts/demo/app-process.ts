import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { request } from './http';
import { sleep, waitFor } from './wait';

const REPO_ROOT = `${__dirname}/../../../..`;
const MAIN = 'apps/orders/src/main.ts';

/**
 * The orders app as a child process, the way it runs in production: its own process, so the demo
 * can SIGKILL it mid-stream. Its output goes to a log file (kept when the demo fails).
 */
export class AppProcess {
  private exited: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly logFile: string,
  ) {
    child.once(
      'exit',
      (code, signal) => (this.exited = signal ? `killed by ${signal}` : `exited with code ${code}`),
    );
  }

  static start(env: NodeJS.ProcessEnv, port: number, logFile: string): AppProcess {
    const log = fs.openSync(logFile, 'a');
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', MAIN],
      // A file, not a pipe: every line written before a SIGKILL is on disk.
      {
        cwd: REPO_ROOT,
        env: { ...env, PORT: String(port), NO_COLOR: '1' },
        stdio: ['ignore', log, log],
      },
    );
    fs.closeSync(log);
    return new AppProcess(child, `http://127.0.0.1:${port}`, logFile);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exited === undefined;
  }

  /** Until `GET /stats` answers 200 (the app has migrated its database and started its consumers). */
  async ready(timeoutMs: number): Promise<void> {
    await waitFor(
      `the orders app (pid ${this.pid}) to answer on ${this.baseUrl} (log: ${this.logFile})`,
      // An app that died will never answer: stop waiting at once.
      async () => !this.running || (await request('GET', `${this.baseUrl}/stats`)).status === 200,
      timeoutMs,
      250,
    );
    if (!this.running) {
      throw new Error(
        `the orders app ${this.exited} during startup; last lines of ${this.logFile}:\n${this.tail()}`,
      );
    }
  }

  /** SIGKILL: no shutdown hooks, no offset commit, no goodbye to the consumer group. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await waitFor(`pid ${this.pid} to die after SIGKILL`, () => !this.running, 10_000, 20);
  }

  /** SIGTERM (drain, commit, leave the group), then SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (this.running && Date.now() < deadline) await sleep(50);
    await this.kill();
  }

  tail(lines = 20): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
