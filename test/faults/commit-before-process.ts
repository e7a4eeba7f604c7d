import { Kafka, type ConsumerRunConfig } from 'kafkajs';

/**
 * TEST-ONLY breakage of invariant 1 (process before commit), installed by the fault worker into
 * its own process: every kafkajs consumer created afterwards commits a fetched batch's last
 * offset + 1 before the library sees the batch, so the fault suite can show that it detects the
 * loss. The library itself has no such switch; this wraps the kafkajs client it uses.
 */
export function commitBeforeProcess(): void {
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
            const next = (BigInt(messages[messages.length - 1].offset) + 1n).toString();
            await consumer.commitOffsets([{ topic, partition, offset: next }]);
          }
          await eachBatch(payload);
        },
      });
    };
    return consumer;
  };
}
