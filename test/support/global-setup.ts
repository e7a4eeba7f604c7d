import { startBroker } from '../../tools/kafka/kafka-broker';
import {
  describeDatabases,
  ensureDatabases,
  mariadbUnavailableReason,
} from './db/ensure-databases';
import { mariadbSkipNote } from './db/mariadb-requirement';
import { dropStaleTestDatabases } from './db/test-database';

/**
 * Once per test run: a real Kafka broker (reused when KAFKA_BROKERS names one, else started and
 * stopped by the teardown) and the databases. Workers read the addresses from the environment.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.RK_TEST_SERVICES_READY) return;
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

  // Databases first: on CI a missing MariaDB fails the run before the broker is started.
  const databases = await ensureDatabases();
  console.log(`\n[test services] ${describeDatabases()}`);
  const skipped = mariadbSkipNote(databases.mariadb !== null, mariadbUnavailableReason(databases));
  if (skipped) console.log(`[test services] ${skipped}`);
  if (process.env.KAFKA_BROKERS) {
    console.log(`[test services] Kafka: using KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
  } else {
    const broker = await startBroker();
    process.env.KAFKA_BROKERS = broker.brokers;
    if (broker.started) process.env.RK_TEST_STARTED_BROKER = '1';
    console.log(
      `[test services] Kafka ${broker.version} (jars), metadata.version ${broker.metadataVersion ?? 'unknown'} ` +
        `(from the broker's DescribeFeatures API) at ${broker.brokers} (${broker.started ? 'started for this run' : 'already running'})`,
    );
  }
  // Databases of runs that crashed before their teardown (older than a few hours).
  await dropStaleTestDatabases();
  process.env.RK_TEST_SERVICES_READY = '1';
}
