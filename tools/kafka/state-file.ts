/** A home's state.json (a broker's or a cluster's): read, written atomically, removed. */
import * as fs from 'node:fs';

export function readStateFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function writeStateFile(file: string, state: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(tmp, file); // atomic: readers never see half a file
}

export function removeStateFile(file: string): void {
  fs.rmSync(file, { force: true });
}
