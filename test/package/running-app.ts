/**
 * The packaged app's main.js as a child process on the app's runtime: started with its config,
 * ready when it prints `LISTENING <port>`, asked over HTTP, stopped with SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { childEnv } from './node-runtime';
import type { PackagedApp } from './packaged-app';

export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class RunningApp {
  private output = '';
  private port?: number;
  private readonly exited: Promise<AppExit>;

  private constructor(private readonly child: ChildProcess) {
    const collect = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-8_000);
      const listening = /LISTENING (\d+)/.exec(this.output);
      if (listening) this.port ??= Number(listening[1]);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  static async start(
    app: PackagedApp,
    config: unknown,
    readyTimeoutMs = 60_000,
  ): Promise<RunningApp> {
    const child = spawn(path.join(app.runtime.binDir, 'node'), ['dist/main.js'], {
      cwd: app.dir,
      env: childEnv(app.runtime, { RK_APP_CONFIG: JSON.stringify(config) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const running = new RunningApp(child);
    const deadline = Date.now() + readyTimeoutMs;
    let exit: AppExit | undefined;
    void running.exited.then((how) => (exit = how));
    while (running.port === undefined) {
      if (exit || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(
          `the packaged app did not start (${JSON.stringify(exit)}):\n${running.output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return running;
  }

  /** GET on the app; status and body text. */
  async get(route: string): Promise<{ status: number; body: string }> {
    const response = await fetch(`http://127.0.0.1:${this.port}${route}`);
    return { status: response.status, body: await response.text() };
  }

  /** The app's output so far (for failure messages). */
  get log(): string {
    return this.output;
  }

  /**
   * SIGTERM; how the app ended. With shutdown hooks enabled, Nest closes the app and then raises
   * the signal again, so a clean stop ends by SIGTERM rather than with exit code 0.
   */
  async stop(): Promise<AppExit> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}
