/**
 * What the benchmark modules share: the repository paths, the registry of what an interrupted run
 * must undo, the log line and a sleep.
 */
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
/** Compiled JavaScript of the consumer child (git-ignored), rebuilt at the start of every run. */
export const BUILD_DIR = path.join(ROOT, '.bench-build');

/** Everything to undo if we are interrupted: children, topics, databases. */
export const cleanup = {
  children: new Set<ChildProcess>(),
  databases: new Set<string>(),
  topics: new Set<string>(),
};

export function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
