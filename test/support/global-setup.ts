import {
  KAFKA_VERSION_ENV,
  kafkaVersionSetting,
  releaseLineMetadataVersion,
  startBroker,
} from '../../tools/kafka/kafka-broker';
import {
  describeDatabases,
  ensureDatabases,
  mariadbUnavailableReason,
} from './db/ensure-databases';
import { mariadbSkipNote } from './db/mariadb-requirement';
import { dropStaleTestDatabases } from './db/test-database';
import { requireConfluentClient } from './test-client';

/**
 * Once per test run: a real Kafka broker (reused when KAFKA_BROKERS names one, else started and
 * stopped by the teardown) and the databases. Workers read the addresses from the environment.
 * KAFKA_VERSION chooses the broker's release (tools/kafka/kafka-version.ts); with KAFKA_BROKERS
 * too, the given broker must report that release line, so a run meant for one release cannot
 * quietly test another.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.RK_TEST_SERVICES_READY) return;
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  // Before anything starts: a bad KAFKA_VERSION fails the run with the versions known to work,
  // and a missing Confluent client (every run has suites on it) with the way to install it.
  const kafka = kafkaVersionSetting(undefined);
  console.log(`\n[test services] Kafka client of this run: ${requireConfluentClient()}`);

  // Databases first: on CI a missing MariaDB fails the run before the broker is started.
  const databases = await ensureDatabases();
  console.log(`[test services] ${describeDatabases()}`);
  const skipped = mariadbSkipNote(databases.mariadb !== null, mariadbUnavailableReason(databases));
  if (skipped) console.log(`[test services] ${skipped}`);
  if (process.env.KAFKA_BROKERS) {
    console.log(`[test services] Kafka: using KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    if (kafka.setting === KAFKA_VERSION_ENV) await confirmRelease(kafka.version);
  } else {
    const broker = await startBroker({ kafkaVersion: kafka.version });
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

/** The broker KAFKA_BROKERS names is of KAFKA_VERSION's release line, as the broker reports it. */
async function confirmRelease(version: string): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS!.split(',')[0];
  const metadataVersion = await releaseLineMetadataVersion(brokers, version).catch((err: Error) => {
    throw new Error(
      `${KAFKA_VERSION_ENV}=${version}, but KAFKA_BROKERS names another release: ${err.message}`,
    );
  });
  if (!metadataVersion) {
    throw new Error(
      `${KAFKA_VERSION_ENV}=${version}, but the broker at KAFKA_BROKERS (${brokers}) did not ` +
        'report its metadata.version, so its release cannot be confirmed',
    );
  }
  console.log(
    `[test services] Kafka: ${brokers} reports metadata.version ${metadataVersion}, of Kafka ${version}'s release line`,
  );
}
