import { Logger } from '@nestjs/common';
import {
  type ConfluentConfig,
  type ConfluentKafka,
  type ConfluentKafkaJS,
  type ConfluentLogger,
  ConfluentLogLevel,
} from './confluent-api';
import { loadConfluentKafkaJS } from './confluent-package';

/**
 * The one place that constructs Confluent clients. Their log lines, librdkafka's among them, go
 * to Nest's Logger; warnings and errors only unless the config asks for another level.
 */
export function createConfluentClient(
  config: ConfluentConfig,
  kafkaJS: ConfluentKafkaJS = loadConfluentKafkaJS(),
): ConfluentKafka {
  return new kafkaJS.Kafka({
    ...config,
    kafkaJS: { logLevel: ConfluentLogLevel.WARN, logger: nestLogger(), ...config.kafkaJS },
  });
}

function nestLogger(): ConfluentLogger {
  const logger = new Logger('confluent-kafka-javascript');
  let level: ConfluentLogLevel = ConfluentLogLevel.WARN;
  const line = (message: string, extra?: object) =>
    extra === undefined ? message : `${message} ${JSON.stringify(extra)}`;
  const bridge: ConfluentLogger = {
    error: (message, extra) => {
      if (level >= ConfluentLogLevel.ERROR) logger.error(line(message, extra));
    },
    warn: (message, extra) => {
      if (level >= ConfluentLogLevel.WARN) logger.warn(line(message, extra));
    },
    info: (message, extra) => {
      if (level >= ConfluentLogLevel.INFO) logger.log(line(message, extra));
    },
    debug: (message, extra) => {
      if (level >= ConfluentLogLevel.DEBUG) logger.debug(line(message, extra));
    },
    namespace: () => bridge,
    setLogLevel: (next) => {
      level = next;
    },
  };
  return bridge;
}
