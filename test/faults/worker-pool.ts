/**
 * The fault-worker processes of a scenario: slots that are started, restarted by a supervisor,
 * picked for faults and stopped, and the set of pools still running for an interrupted run.
 */
import { WorkerProcess } from '../support/worker-process';
import type { FaultWorkerConfig } from './fault-worker';
import { sleep } from './sleep';

const WORKER = 'test/faults/fault-worker.ts';
const ARMED_PATIENCE_MS = 10_000;

interface Slot {
  id: number;
  worker?: WorkerProcess;
  exit?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive: boolean;
  /** Stopped on purpose: the supervisor does not restart it. */
  parked: boolean;
  /** A fault is handling this slot right now. */
  busy: boolean;
  extra: boolean;
  /** Launched with a kill hook: not picked for other faults, so that the hook gets to fire. */
  armed: boolean;
}

/** Pools of scenarios in progress, so that an interrupted run can kill their processes. */
export const livePools = new Set<WorkerPool>();

/** SIGKILLs the worker processes of every scenario still running (Ctrl-C, a test timeout). */
export function killRunningWorkers(): void {
  for (const pool of livePools) pool.killAll();
}

export class WorkerPool {
  readonly all: WorkerProcess[] = [];
  readonly slots: Slot[] = [];
  private supervising = true;
  private closed = false;
  private supervisor?: Promise<void>;
  startFailures = 0;
  selfKills = { afterCommit: 0, inHandler: 0 };
  unexpectedExits = 0;

  constructor(
    private readonly config: FaultWorkerConfig,
    private readonly env: Record<string, string>,
    private readonly deadline: number,
    private readonly log: (l: string) => void,
  ) {}

  /** How far each worker's output has got: `printedSince` reads on from here. */
  outputMark(): Map<WorkerProcess, number> {
    return new Map(this.all.map((worker) => [worker, worker.lines.length]));
  }

  /** True when a worker (one started since included) printed a matching line after `mark`. */
  printedSince(mark: Map<WorkerProcess, number>, matches: (line: string) => boolean): boolean {
    return this.all.some((worker) => worker.lines.slice(mark.get(worker) ?? 0).some(matches));
  }

  async add(extra = false, hook?: Partial<FaultWorkerConfig>): Promise<Slot> {
    const slot: Slot = {
      id: this.slots.length,
      alive: false,
      parked: false,
      busy: true,
      extra,
      armed: false,
    };
    this.slots.push(slot);
    await this.launch(slot, hook);
    slot.busy = false;
    return slot;
  }

  /** Starts the slot's process, retrying while the broker or the database is down. */
  async launch(slot: Slot, hook?: Partial<FaultWorkerConfig>): Promise<void> {
    const armed = hook ?? {};
    slot.armed = armed.killAfterCommitAt !== undefined || armed.killInHandlerAt !== undefined;
    if (slot.armed) this.log(`[faults] worker ${slot.id} armed: ${JSON.stringify(armed)}`);
    for (;;) {
      if (this.closed) throw new Error(`worker ${slot.id}: not started, the pool is closed`);
      if (Date.now() > this.deadline)
        throw new Error(`worker ${slot.id}: could not be started before the scenario deadline`);
      try {
        const worker = await WorkerProcess.start(
          WORKER,
          { ...this.config, ...armed },
          90_000,
          this.env,
        );
        this.all.push(worker);
        if (this.closed) worker.kill('SIGKILL');
        slot.worker = worker;
        slot.alive = true;
        slot.exit = worker.exit(2_000_000_000).then((r) => {
          slot.alive = false;
          return r;
        });
        return;
      } catch (error) {
        this.startFailures++;
        this.log(
          `[faults] worker ${slot.id} did not start (${String((error as Error).message)
            .split('\n')[0]
            .slice(0, 200)}); retrying`,
        );
        await sleep(1_000);
      }
    }
  }

  /** Restarts workers that died on their own (a kill hook fired, or a crash). */
  startSupervising(): void {
    this.supervisor = (async () => {
      while (this.supervising) {
        for (const slot of this.slots) {
          if (slot.alive || slot.parked || slot.busy || !slot.worker) continue;
          slot.busy = true;
          const lines = slot.worker.lines;
          if (lines.some((l) => l.startsWith('KILL after-commit'))) this.selfKills.afterCommit++;
          else if (lines.some((l) => l.startsWith('KILL in-handler'))) this.selfKills.inHandler++;
          else {
            this.unexpectedExits++;
            this.log(
              `[faults] worker ${slot.id} exited unexpectedly: ${slot.worker.stderrTail().slice(-500)}`,
            );
          }
          try {
            await this.launch(slot);
          } finally {
            slot.busy = false;
          }
        }
        await sleep(200);
      }
    })();
  }

  async stopSupervising(): Promise<void> {
    this.supervising = false;
    await this.supervisor;
  }

  /** A ready worker, an unarmed one if any (or none, unless `armedToo`). */
  pick(rnd: () => number, armedToo: boolean): Slot | undefined {
    const ready = this.slots.filter((s) => s.alive && !s.busy && !s.parked && !s.extra);
    const unarmed = ready.filter((s) => !s.armed);
    const from = unarmed.length || !armedToo ? unarmed : ready;
    return from.length ? from[Math.floor(rnd() * from.length)] : undefined;
  }

  /**
   * A worker to hit, waiting a while if all are restarting right now. While every ready worker is
   * armed, it waits up to ARMED_PATIENCE_MS for one to fire its hook (and come back unarmed) before
   * it takes an armed one: a kill would replace the hook, and the scenario would miss that kind.
   */
  async pickWithin(rnd: () => number, ms: number): Promise<Slot | undefined> {
    const began = Date.now();
    for (;;) {
      const waited = Date.now() - began;
      const slot = this.pick(rnd, waited > ARMED_PATIENCE_MS);
      if (slot || waited > ms) return slot;
      await sleep(200);
    }
  }

  /** Graceful stop of every worker, then SIGKILL of any that would not go. */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.parked = true;
        if (slot.worker && slot.alive) await slot.worker.stop().catch(() => undefined);
      }),
    );
  }

  killAll(): void {
    this.closed = true;
    this.supervising = false;
    for (const w of this.all) w.kill('SIGKILL');
  }
}
