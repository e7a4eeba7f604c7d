/**
 * npm run kafka:start | kafka:stop | kafka:status [-- --kafka-version <version>] [--brokers 1|3]
 *
 * The version is the flag's, else KAFKA_VERSION's, else the default (kafka-version.ts); each
 * release has its own broker, so `stop` and `status` take the same setting as `start`.
 * `--brokers 3` is the replicated cluster of three nodes (kafka-cluster.ts, kafka-cli-cluster.ts)
 * instead of the single broker; again `stop` and `status` take the same flag.
 *
 * Exit codes: 0 success (status: broker running and answering; every node, for a cluster),
 * 1 failure (message on stderr), 2 usage error (a bad command, option, version or broker count),
 * 3 status: no broker running (the LSB `status` convention).
 */
import { type CliArgs, CliUsageError, parseCliArgs } from './kafka-cli-args';
import { brokerStatus, startBroker, stopBroker } from './kafka-broker';
import { runClusterCommand } from './kafka-cli-cluster';
import { UnsupportedKafkaVersionError } from './kafka-version';

async function run({ command, kafka, brokers }: CliArgs): Promise<number> {
  const opts = { kafkaVersion: kafka.version };
  const kafkaName = `Kafka ${kafka.version}`;
  if (brokers === 3) return runClusterCommand(command, opts, kafkaName);
  switch (command) {
    case 'start': {
      const r = await startBroker(opts);
      const what = r.started ? 'started' : 'already running, reused';
      const mv = r.metadataVersion ? `, metadata.version ${r.metadataVersion}` : '';
      console.log(
        `${kafkaName} broker ${what} (pid ${r.pid}${mv}, ${(r.elapsedMs / 1000).toFixed(1)} s)`,
      );
      console.log(`KAFKA_BROKERS=${r.brokers}`);
      return 0;
    }
    case 'stop': {
      const r = await stopBroker(opts);
      if (r.stopped)
        console.log(
          `${kafkaName} broker stopped (pid ${r.pid}${r.forced ? ', killed after timeout' : ''})`,
        );
      else if (r.pid)
        console.log(`${kafkaName} broker (pid ${r.pid}) was not running; state cleared`);
      else console.log(`No ${kafkaName} broker running`);
      return 0;
    }
    case 'status': {
      const s = await brokerStatus(opts);
      if (!s.running) {
        console.log(
          s.pid
            ? `${kafkaName} broker not running (last pid ${s.pid}, ${s.brokers})`
            : `${kafkaName} broker not running`,
        );
        return 3;
      }
      console.log(
        `${kafkaName} broker running (pid ${s.pid}, data ${s.dataDir})` +
          (s.responding ? '' : ' but NOT answering describeCluster'),
      );
      console.log(`KAFKA_BROKERS=${s.brokers}`);
      return s.responding ? 0 : 1;
    }
  }
}

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (err) {
    if (err instanceof CliUsageError || err instanceof UnsupportedKafkaVersionError) {
      console.error(`kafka: ${err.message}`);
      return 2;
    }
    throw err;
  }
  return run(args);
}

main(process.argv.slice(2)).then(
  // Exit explicitly: nothing of ours should linger, and the detached broker is not a child we wait for.
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(
      `kafka ${process.argv[2] ?? ''}: ${err instanceof Error ? err.message : String(err)}`,
    );
    process.exit(1);
  },
);
