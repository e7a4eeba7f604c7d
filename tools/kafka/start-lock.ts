import * as fs from 'node:fs';
import * as path from 'node:path';
import { commandLine, sleep } from './os-process';

/**
 * Serialises starts across processes (two terminals, parallel Jest runs) so they cannot both
 * decide that no broker runs and launch two. A lock left by a dead process is taken over.
 */
export async function withStartLock<T>(
  lockFile: string,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockFile, 'utf8'));
      if (!commandLine(holder)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`Timed out waiting for ${lockFile} (pid ${holder})`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}
