/**
 * The library as a user gets it: `npm pack` of libs/reliable-kafka, installed into a throwaway
 * NestJS app outside the repository (packaged-app.ts) that runs against the test broker on
 * PostgreSQL and SQLite. Nest 11 runs on the machine's Node, Nest 12 (ES modules) on Node 22 and
 * Node 24 from the `node@<major>` npm packages. These runs back the README's supported-versions
 * table.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../support/db/test-database';
import { brokers, createTopic, eventually, produce, uniqueName } from '../support/kafka';
import { machineNode, npmNode, type NodeRuntime } from './node-runtime';
import { type AppTarget, PackagedApp } from './packaged-app';
import { type AppExit, RunningApp } from './running-app';

const run = promisify(execFile);
const LIBRARY = path.resolve(__dirname, '../../libs/reliable-kafka');
const NEST_PEERS = ['@nestjs/common', '@nestjs/core', '@nestjs/microservices', '@nestjs/typeorm'];

interface PackResult {
  filename: string;
  size: number;
  files: { path: string; size: number }[];
}

interface LibraryPackageJson {
  exports: Record<string, { types: string; default: string }>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
}

/** Sums the samples of one metric in a Prometheus text exposition. */
function metricTotal(exposition: string, name: string): number {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('the packed library in a NestJS app outside the repository', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-pack-'));
  let tarball: string;
  let packed: PackResult;

  beforeAll(async () => {
    // prepack builds dist/ first.
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: LIBRARY,
      maxBuffer: 16 * 1024 * 1024,
    });
    [packed] = JSON.parse(stdout) as PackResult[];
    tarball = path.join(work, packed.filename);
  }, 120_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('packs the built entry points, their types and the docs, and no sources, specs or test support', async () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'CHANGELOG.md',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/health.js',
        'dist/health.d.ts',
      ]),
    );
    expect(files.filter((f) => /\.spec\.|int-spec|(^|\/)test\/|support\//.test(f))).toEqual([]);
    expect(files.filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => !f.startsWith('dist/'))).toEqual([
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'package.json',
    ]);

    const unpacked = path.join(work, 'unpacked');
    fs.mkdirSync(unpacked);
    await run('tar', ['-xzf', tarball, '-C', unpacked]);
    const root = path.join(unpacked, 'package');
    // stripInternal: an @internal member is not in the published types.
    const consumersTypes = fs.readFileSync(
      path.join(root, 'dist/consumer/reliable-kafka-consumers.d.ts'),
      'utf8',
    );
    expect(consumersTypes).toContain('class ReliableKafkaConsumers');
    expect(consumersTypes).not.toContain('recordSender');

    const manifest = JSON.parse(
      fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
    ) as LibraryPackageJson;
    expect(manifest.exports['.']).toEqual({
      types: './dist/index.d.ts',
      default: './dist/index.js',
    });
    expect(manifest.exports['./health']).toEqual({
      types: './dist/health.d.ts',
      default: './dist/health.js',
    });
    for (const peer of [...NEST_PEERS, '@nestjs/terminus']) {
      expect([peer, manifest.peerDependencies[peer]]).toEqual([peer, '^11.0.0 || ^12.0.0']);
    }
    for (const peer of ['kafkajs', 'typeorm', 'prom-client', '@opentelemetry/api', 'rxjs']) {
      expect(manifest.peerDependencies[peer]).toBeDefined();
      expect(manifest.peerDependenciesMeta[peer]?.optional).toBeFalsy();
    }
    expect(manifest.peerDependenciesMeta['@nestjs/terminus']).toEqual({ optional: true });
    expect(manifest.peerDependenciesMeta['@confluentinc/kafka-javascript']).toEqual({
      optional: true,
    });

    // The Confluent adapter describes the client's API itself and loads the package when used:
    // no published file imports it, so an app without it type-checks and loads the library.
    const built = files.filter((f) => f.endsWith('.d.ts') || f.endsWith('.js'));
    expect(built).toContain('dist/kafka/confluent/confluent-producer-client.d.ts');
    const importing = built.filter((f) =>
      /(from\s*|import\(\s*|require\(\s*)['"]@confluentinc\/kafka-javascript['"]/.test(
        fs.readFileSync(path.join(root, f), 'utf8'),
      ),
    );
    expect(importing).toEqual([]);
  });

  describe.each([
    { nest: 11, module: 'commonjs', node: 'machine' },
    { nest: 12, module: 'esm', node: 22 },
    { nest: 12, module: 'esm', node: 24 },
  ] as const)('NestJS $nest ($module) on Node $node', ({ nest, module, node }) => {
    const target: AppTarget = { nest, module };
    let runtime: NodeRuntime;
    let app: PackagedApp;

    beforeAll(async () => {
      runtime = node === 'machine' ? await machineNode() : await npmNode(node);
      app = await PackagedApp.create(target, tarball, runtime);
      console.log(
        `[packaged app] Node ${runtime.version}, @nestjs/core ${app.installedVersion('@nestjs/core')}, ` +
          `@nestjs/typeorm ${app.installedVersion('@nestjs/typeorm')}, ` +
          `@nestjs/terminus ${app.installedVersion('@nestjs/terminus')}, typeorm ${app.installedVersion('typeorm')} (${app.dir})`,
      );
    }, 600_000);

    afterAll(() => app?.remove());

    it('runs on the intended versions', () => {
      expect(
        runtime.version.startsWith(
          `v${node === 'machine' ? process.versions.node.split('.')[0] : node}.`,
        ),
      ).toBe(true);
      expect(app.installedVersion('@nestjs/core').split('.')[0]).toBe(String(nest));
    });

    describe.each(['postgres', 'sqlite'] as const)('on %s', (kind) => {
      let db: TestDatabase;
      beforeAll(async () => {
        db = await createTestDatabase(kind, { name: `packaged_nest${nest}` });
      });
      afterAll(() => db?.drop());

      it('applies each effect once, duplicates included, and serves /health and /metrics', async () => {
        const topic = uniqueName(`packaged-${nest}`);
        await createTopic(topic, 2);
        const database =
          kind === 'postgres'
            ? { type: 'postgres', url: db.connection.url }
            : { type: 'better-sqlite3', database: db.connection.database };
        const running = await RunningApp.start(app, {
          brokers: brokers(),
          topic,
          groupId: uniqueName('packaged'),
          database,
        });
        const ids = Array.from({ length: 20 }, (_, i) => `${topic}-m${i}`);
        let exposition = '';
        let health: { status: number; body: string };
        let exit: AppExit;
        try {
          const records = ids.map((id) => ({ key: id, value: JSON.stringify({ id }) }));
          await produce(topic, records);
          await produce(topic, records); // every message again: 20 duplicates
          await eventually(
            async () => {
              exposition = (await running.get('/metrics')).body;
              return (
                metricTotal(exposition, 'reliable_kafka_consumer_records_processed_total') +
                  metricTotal(exposition, 'reliable_kafka_consumer_duplicates_total') >=
                40
              );
            },
            `40 records handled by the packaged app:\n${running.log}`,
            90_000,
          );
          health = await running.get('/health');
        } finally {
          exit = await running.stop();
        }
        expect(metricTotal(exposition, 'reliable_kafka_consumer_records_processed_total')).toBe(20);
        expect(metricTotal(exposition, 'reliable_kafka_consumer_duplicates_total')).toBe(20);

        const rows = (await db.dataSource.query(
          'SELECT message_id, COUNT(*) AS n FROM effects GROUP BY message_id',
        )) as { message_id: string; n: string | number }[];
        const applied = Object.fromEntries(rows.map((r) => [r.message_id, Number(r.n)]));
        expect(applied).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));

        expect([health.status, JSON.parse(health.body).info?.['reliable-kafka']?.status]).toEqual([
          200,
          'up',
        ]);
        // A clean stop: Nest's shutdown hooks close the app, then raise SIGTERM again.
        expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
      }, 180_000);
    });

    it('without @nestjs/terminus, loads the core and names the missing package on ./health', async () => {
      await app.npm('uninstall', '--no-audit', '--no-fund', '@nestjs/terminus');
      const probe = await app.node('health-probe.js');
      expect(probe).toContain('CORE LOADED');
      expect(probe).toContain(
        'ERROR \'@reliable-kafka/nestjs/health\' needs the package "@nestjs/terminus", which is not installed: run `npm install @nestjs/terminus`',
      );
    }, 180_000);
  });
});
