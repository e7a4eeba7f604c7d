import { Kafka, type ConsumerRunConfig } from 'kafkajs';
import type {
  ConfluentConfig,
  ConfluentConsumer,
  ConfluentKafka,
} from '../../libs/reliable-kafka/src/kafka/confluent/confluent-api';
import { loadConfluentKafkaJS } from '../../libs/reliable-kafka/src/kafka/confluent/confluent-package';
import { testClientLibrary } from '../support/test-client';

/**
 * TEST-ONLY breakage of invariant 1 (process before commit), installed by the fault worker into
 * its own process: every consumer of the run's client (kafkajs or Confluent's) created afterwards
 * commits a fetched batch's last offset + 1 before the library sees the batch, so the fault suite
 * can show that it detects the loss. The library itself has no such switch; this wraps the client
 * it uses.
 */
export function commitBeforeProcess(): void {
  if (testClientLibrary() === 'confluent') commitBeforeProcessOnConfluent();
  else commitBeforeProcessOnKafkajs();
}

/** The batch's last offset + 1, the commit that skips whatever of it is not processed yet. */
function pastTheBatch(messages: { offset: string }[]): string {
  return (BigInt(messages[messages.length - 1].offset) + 1n).toString();
}

function commitBeforeProcessOnKafkajs(): void {
  const createConsumer = Kafka.prototype.consumer;
  Kafka.prototype.consumer = function (this: Kafka, ...args) {
    const consumer = createConsumer.apply(this, args);
    const run = consumer.run.bind(consumer);
    consumer.run = (config?: ConsumerRunConfig) => {
      const eachBatch = config?.eachBatch;
      if (!eachBatch) return run(config);
      return run({
        ...config,
        eachBatch: async (payload) => {
          const { topic, partition, messages } = payload.batch;
          if (messages.length > 0) {
            await consumer.commitOffsets([{ topic, partition, offset: pastTheBatch(messages) }]);
          }
          await eachBatch(payload);
        },
      });
    };
    return consumer;
  };
}

function commitBeforeProcessOnConfluent(): void {
  const prototype = loadConfluentKafkaJS().Kafka.prototype as ConfluentKafka;
  const createConsumer = prototype.consumer;
  prototype.consumer = function (this: ConfluentKafka, config: ConfluentConfig) {
    const consumer: ConfluentConsumer = createConsumer.call(this, config);
    const run = consumer.run.bind(consumer);
    consumer.run = (runConfig) =>
      run({
        ...runConfig,
        eachBatch: async (payload) => {
          const { topic, partition, messages } = payload.batch;
          if (messages.length > 0) {
            await consumer.commitOffsets([{ topic, partition, offset: pastTheBatch(messages) }]);
          }
          await runConfig.eachBatch(payload);
        },
      });
    return consumer;
  };
}
