/**
 * The replicated cluster's side of the CLI (`--brokers 3`): what start, stop and status print.
 * Exit codes as for the single broker (kafka-cli.ts): status is 0 only when every node answers,
 * 1 when one does not, 3 when no cluster runs.
 */
import type { CliCommand } from './kafka-cli-args';
import {
  type ClusterOptions,
  type ClusterStatus,
  clusterStatus,
  startCluster,
  stopCluster,
} from './kafka-cluster';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function printStatus(name: string, s: ClusterStatus): void {
  console.log(`${name} cluster of ${s.nodes.length} nodes:`);
  for (const n of s.nodes) {
    const state = !n.running
      ? 'NOT running'
      : n.responding
        ? 'running, answering'
        : 'running, NOT answering';
    console.log(
      `  node ${n.nodeId}  pid ${n.pid}  ${n.brokers} (controller port ${n.controllerPort})  ${state}`,
    );
  }
  console.log(
    `Active controller: ${s.controllerLeader === undefined ? 'none known' : `node ${s.controllerLeader}`}`,
  );
  console.log(`Under-replicated partitions: ${s.underReplicated.length || 'none'}`);
  for (const u of s.underReplicated) {
    console.log(
      `  ${u.topic} partition ${u.partition}: replicas ${u.replicas.join(',')}, in sync ${u.isr.join(',') || 'none'}`,
    );
  }
  console.log(`KAFKA_BROKERS=${s.nodes.map((n) => n.brokers).join(',')}`);
}

export async function runClusterCommand(
  command: CliCommand,
  opts: ClusterOptions,
  name: string,
): Promise<number> {
  switch (command) {
    case 'start': {
      const r = await startCluster(opts);
      const what = r.started ? 'started' : 'already running, reused';
      const pids = r.nodes.map((n) => `node ${n.nodeId} pid ${n.pid}`).join(', ');
      console.log(`${name} cluster ${what} (${pids}; ${seconds(r.elapsedMs)})`);
      console.log(`KAFKA_BROKERS=${r.brokers.join(',')}`);
      return 0;
    }
    case 'stop': {
      const { stopped } = await stopCluster(opts);
      console.log(
        stopped > 0
          ? `${name} cluster stopped (${stopped} node${stopped === 1 ? '' : 's'} were running)`
          : `No ${name} cluster node running`,
      );
      return 0;
    }
    case 'status': {
      const s = await clusterStatus(opts);
      if (!s.nodes.some((n) => n.running)) {
        console.log(
          s.nodes.length > 0
            ? `${name} cluster not running (no node of ${s.nodes.length} is)`
            : `${name} cluster not running`,
        );
        return 3;
      }
      printStatus(name, s);
      return s.nodes.every((n) => n.responding) ? 0 : 1;
    }
  }
}
