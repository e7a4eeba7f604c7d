import { stopBroker } from '../../tools/kafka/kafka-broker';
import { stopStartedDatabases } from './db/ensure-databases';

/** Stops only what the setup started; a broker given by KAFKA_BROKERS is left alone. */
export default async function globalTeardown(): Promise<void> {
  if (process.env.RK_TEST_STARTED_BROKER) {
    delete process.env.RK_TEST_STARTED_BROKER;
    await stopBroker();
  }
  await stopStartedDatabases();
}
