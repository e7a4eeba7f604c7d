/**
 * Runner of the fault suite outside Jest: `npm run test:faults -- [--long|--medium] [--scenario
 * soak|kill|sigterm|rebalance|broker|database|database-restart|handler|all] [--messages N] [--seed N]
 * [--processing sequential|batch-transaction|key-concurrency|batch-handler]`.
 * Starts its own broker and PostgreSQL cluster, prints the report table, writes
 * test/faults/report.json, exits 1 when a contract is broken.
 *
 * `npm run test:faults -- --cluster [--long] [--seed N] [--report file.json]`: the cluster scenario
 * on a replicated cluster of its own (three nodes), its report and its timeline (the same name,
 * .svg) written to `--report` (default test/faults/report.json).
 */
import { FaultEnvironment } from './fault-environment';
import { formatReport, REPORT_FILE, type FaultReport } from './fault-report';
import { formatClusterReport } from './cluster-report';
import { runClusterScenario } from './cluster-scenario';
import { runScenario } from './fault-suite';
import { killRunningWorkers } from './worker-pool';
import { clusterScenario, SCENARIOS, scenario, type Profile, type ScenarioName } from './profiles';
import * as fs from 'node:fs';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const profile: Profile = argv.includes('--long')
    ? 'long'
    : argv.includes('--medium')
      ? 'medium'
      : 'ci';
  if (argv.includes('--cluster')) return runCluster(argv.includes('--long'), arg);
  const which = arg('--scenario') ?? 'soak';
  const names = (which === 'all' ? [...SCENARIOS] : which.split(',')) as ScenarioName[];
  for (const n of names)
    if (!SCENARIOS.includes(n))
      throw new Error(`unknown scenario ${n}; one of ${SCENARIOS.join(', ')}, all`);
  const log = (l: string) => console.log(l);
  const env = await FaultEnvironment.start(log);
  const stop = () => {
    killRunningWorkers();
    void env.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const reports: FaultReport[] = [];
  try {
    for (const name of names) {
      const options = {
        ...scenario(name, profile, arg('--seed') ? Number(arg('--seed')) : undefined),
        log,
      };
      if (arg('--messages')) options.messages = Number(arg('--messages'));
      const mode = arg('--processing');
      if (mode) {
        const modes = ['sequential', 'batch-transaction', 'key-concurrency', 'batch-handler'];
        if (!modes.includes(mode))
          throw new Error(`unknown --processing ${mode}; one of ${modes.join(', ')}`);
        if (mode === 'batch-handler') options.batchHandlerRecords = 50;
        else options.processing = { mode } as NonNullable<typeof options.processing>;
        options.name = `${options.name}-${mode}`;
      }
      if (arg('--rate')) options.produceRatePerSec = Number(arg('--rate'));
      log(
        `[faults] scenario ${options.name}: ${options.messages} messages, seed ${options.seed}, faults ${JSON.stringify(options.faults)}`,
      );
      const report = await runScenario(env, options);
      reports.push(report);
      console.log(`\n${formatReport(report)}\n`);
    }
  } finally {
    await env.stop();
  }
  if (reports.length > 1) fs.writeFileSync(REPORT_FILE, `${JSON.stringify(reports, null, 2)}\n`);
  process.exit(reports.every((r) => r.ok) ? 0 : 1);
}

async function runCluster(long: boolean, arg: (name: string) => string | undefined): Promise<void> {
  const log = (l: string) => console.log(l);
  const env = await FaultEnvironment.start(log, 'cluster');
  const stop = () => {
    killRunningWorkers();
    void env.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let ok = false;
  try {
    const options = {
      ...clusterScenario(long ? 'long' : 'ci', arg('--seed') ? Number(arg('--seed')) : undefined),
      reportFile: arg('--report') ?? REPORT_FILE,
      log,
    };
    if (arg('--messages')) options.messages = Number(arg('--messages'));
    log(
      `[faults] scenario ${options.name}: ${options.messages} messages, seed ${options.seed}, faults ${JSON.stringify(options.faults)}`,
    );
    const report = await runClusterScenario(env, options);
    console.log(`\n${formatClusterReport(report)}\n`);
    ok = report.ok;
  } finally {
    await env.stop();
  }
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
