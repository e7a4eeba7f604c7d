/**
 * A throwaway NestJS app outside the repository, as a user builds one: its own package.json of
 * public packages plus the library's tarball, `npm install`, plain `tsc`, no path aliases. The
 * sources are test/package/app/*.ts.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CACHE_DIR, childEnv, type NodeRuntime } from './node-runtime';

const run = promisify(execFile);
const SOURCES = path.join(__dirname, 'app');

export interface AppTarget {
  nest: 11 | 12;
  /** CommonJS as `nest new` set up apps up to Nest 11; an ES module app for Nest 12. */
  module: 'commonjs' | 'esm';
}

/** The public packages of each Nest major (the library's peers and what the app itself uses). */
const NEST_PACKAGES: Record<AppTarget['nest'], Record<string, string>> = {
  11: {
    '@nestjs/common': '^11.1.0',
    '@nestjs/core': '^11.1.0',
    '@nestjs/microservices': '^11.1.0',
    '@nestjs/platform-express': '^11.1.0',
    '@nestjs/terminus': '^11.1.1',
    '@nestjs/typeorm': '^11.0.3',
  },
  12: {
    '@nestjs/common': '^12.5.0',
    '@nestjs/core': '^12.5.0',
    '@nestjs/microservices': '^12.1.0',
    '@nestjs/platform-express': '^12.5.0',
    '@nestjs/terminus': '^12.1.0',
    '@nestjs/typeorm': '^12.0.0',
  },
};

const COMMON_PACKAGES = {
  '@opentelemetry/api': '^1.9.0',
  'better-sqlite3': '^12.4.1',
  kafkajs: '^2.2.4',
  pg: '^8.16.0',
  'prom-client': '^15.1.3',
  'reflect-metadata': '^0.2.2',
  rxjs: '^7.8.2',
  typeorm: '^0.3.27',
};

/**
 * An installed tree depends on the packages asked for and the Node it was built on (native
 * addons), not on the library's tarball, which changes every run.
 */
function installKey(packageJson: { dependencies: Record<string, string> }, runtime: NodeRuntime) {
  const dependencies = { ...packageJson.dependencies, '@reliable-kafka/nestjs': 'the tarball' };
  const key = JSON.stringify({ ...packageJson, dependencies, node: runtime.version });
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Keeps node_modules and the lockfile of a fresh install for later runs (skips compiling addons). */
function saveInstall(dir: string, cached: string): void {
  const partial = `${cached}.${process.pid}.tmp`;
  fs.mkdirSync(partial, { recursive: true });
  for (const entry of ['node_modules', 'package-lock.json']) {
    fs.cpSync(path.join(dir, entry), path.join(partial, entry), {
      recursive: true,
      verbatimSymlinks: true,
    });
  }
  fs.renameSync(partial, cached);
}

export class PackagedApp {
  private constructor(
    readonly dir: string,
    readonly runtime: NodeRuntime,
  ) {}

  /** Writes the project, installs it (on `runtime`, so native modules match it) and builds it. */
  static async create(
    target: AppTarget,
    tarball: string,
    runtime: NodeRuntime,
  ): Promise<PackagedApp> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rk-packaged-app-nest${target.nest}-`));
    const app = new PackagedApp(dir, runtime);
    const packageJson = {
      name: 'rk-packaged-app',
      version: '1.0.0',
      private: true,
      ...(target.module === 'esm' ? { type: 'module' } : {}),
      dependencies: {
        ...NEST_PACKAGES[target.nest],
        ...COMMON_PACKAGES,
        '@reliable-kafka/nestjs': `file:${tarball}`,
      },
      devDependencies: {
        '@types/node': `^${runtime.version.slice(1).split('.')[0]}.0.0`,
        typescript: '~5.9.3',
      },
      allowScripts: { 'better-sqlite3': true },
    };
    const tsconfig = {
      compilerOptions: {
        module: target.module === 'esm' ? 'nodenext' : 'commonjs',
        // CommonJS: TypeScript's default resolution (no `exports`), as a `nest new` app has it.
        ...(target.module === 'esm' ? { moduleResolution: 'nodenext' } : {}),
        target: 'ES2022',
        outDir: 'dist',
        rootDir: 'src',
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        // The library's published .d.ts files are type-checked too.
        skipLibCheck: false,
        types: ['node'],
      },
      include: ['src'],
    };
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(packageJson, null, 2));
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    fs.mkdirSync(path.join(dir, 'src'));
    for (const file of fs.readdirSync(SOURCES)) {
      fs.copyFileSync(path.join(SOURCES, file), path.join(dir, 'src', file));
    }
    try {
      const cached = path.join(CACHE_DIR, 'apps', installKey(packageJson, runtime));
      if (fs.existsSync(path.join(cached, 'node_modules'))) {
        // A previous run's tree (same packages, same Node): npm then replaces only the library.
        fs.cpSync(cached, dir, { recursive: true, verbatimSymlinks: true });
      }
      await app.npm('install', '--no-audit', '--no-fund');
      if (!fs.existsSync(cached)) saveInstall(dir, cached);
      await app.exec(path.join(dir, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']);
    } catch (error) {
      app.remove(); // the error carries npm's or tsc's output
      throw error;
    }
    return app;
  }

  /** The installed version of a package of the app, e.g. '12.5.1'. */
  installedVersion(name: string): string {
    const file = path.join(this.dir, 'node_modules', ...name.split('/'), 'package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }

  npm(...args: string[]): Promise<string> {
    return this.exec('npm', args);
  }

  /** Runs a built file of the app (dist/<name>.js) to its end; its stdout. */
  node(script: string): Promise<string> {
    return this.exec(path.join(this.runtime.binDir, 'node'), [path.join('dist', script)]);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async exec(command: string, args: string[]): Promise<string> {
    try {
      const { stdout } = await run(command, args, {
        cwd: this.dir,
        env: childEnv(this.runtime),
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(
        `${path.basename(command)} ${args.join(' ')} failed in ${this.dir}:\n${stdout ?? ''}\n${stderr ?? ''}`,
      );
    }
  }
}
