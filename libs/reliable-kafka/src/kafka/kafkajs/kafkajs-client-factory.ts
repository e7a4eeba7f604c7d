import { Logger } from '@nestjs/common';
import { Kafka, type KafkaConfig, type LogEntry, logLevel } from 'kafkajs';

/**
 * kafkajs warns about this whenever an idempotent producer has finite retries. Its concern: once
 * retries run out, a resend of the same records by the application gets new sequence numbers, so
 * the broker cannot drop it as a duplicate. The library bounds retries on purpose (by the delivery
 * timeout, as Kafka's `delivery.timeout.ms` does; unbounded retries would keep sending a record
 * after its caller was told it failed) and keeps the guarantee it promises, which is not the
 * broker's exactly-once: within the bound, retries reuse the producer and its sequence numbers
 * (no duplicate); after it, a resend carries the same `idempotency-key` header, which consumers
 * deduplicate. So the warning says nothing the user has to act on.
 */
const BOUNDED_IDEMPOTENT_RETRIES_WARNING =
  'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/** The one place that constructs kafkajs clients. Its log lines go to Nest's Logger. */
export function createKafkaClient(config: KafkaConfig): Kafka {
  const logger = new Logger('kafkajs');
  return new Kafka({
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        if (message === BOUNDED_IDEMPOTENT_RETRIES_WARNING) return;
        const line = `${message} ${JSON.stringify(extra)}`;
        if (level === logLevel.ERROR) logger.error(line);
        else if (level === logLevel.WARN) logger.warn(line);
        else logger.debug(line);
      },
    ...config,
  });
}
