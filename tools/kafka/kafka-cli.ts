/**
 * npm run kafka:start | kafka:stop | kafka:status
 *
 * Exit codes: 0 success (status: broker running and answering), 1 failure (message on stderr),
 * 2 usage error, 3 status: no broker running (the LSB `status` convention).
 */
import { brokerStatus, startBroker, stopBroker } from './kafka-broker';

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'start': {
      const r = await startBroker();
      const what = r.started ? 'started' : 'already running, reused';
      const mv = r.metadataVersion ? `, metadata.version ${r.metadataVersion}` : '';
      console.log(
        `Kafka ${r.version} broker ${what} (pid ${r.pid}${mv}, ${(r.elapsedMs / 1000).toFixed(1)} s)`,
      );
      console.log(`KAFKA_BROKERS=${r.brokers}`);
      return 0;
    }
    case 'stop': {
      const r = await stopBroker();
      if (r.stopped)
        console.log(
          `Kafka broker stopped (pid ${r.pid}${r.forced ? ', killed after timeout' : ''})`,
        );
      else if (r.pid) console.log(`Kafka broker (pid ${r.pid}) was not running; state cleared`);
      else console.log('No Kafka broker running');
      return 0;
    }
    case 'status': {
      const s = await brokerStatus();
      if (!s.running) {
        console.log(
          s.pid
            ? `Kafka broker not running (last pid ${s.pid}, ${s.brokers})`
            : 'Kafka broker not running',
        );
        return 3;
      }
      console.log(
        `Kafka ${s.version} broker running (pid ${s.pid}, data ${s.dataDir})` +
          (s.responding ? '' : ' but NOT answering describeCluster'),
      );
      console.log(`KAFKA_BROKERS=${s.brokers}`);
      return s.responding ? 0 : 1;
    }
    default:
      console.error('Usage: ts-node tools/kafka/kafka-cli.ts start|stop|status');
      return 2;
  }
}

main(process.argv[2]).then(
  // Exit explicitly: nothing of ours should linger, and the detached broker is not a child we wait for.
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(
      `kafka ${process.argv[2] ?? ''}: ${err instanceof Error ? err.message : String(err)}`,
    );
    process.exit(1);
  },
);
