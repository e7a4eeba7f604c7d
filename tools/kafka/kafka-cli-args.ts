/**
 * The command line of tools/kafka/kafka-cli.ts: a command, the Kafka version setting and how many
 * brokers (the single broker, or the replicated cluster of three).
 */
import { parseArgs } from 'node:util';
import { KAFKA_VERSION_FLAG, kafkaVersionSetting, type KafkaVersionSetting } from './kafka-version';

export const CLI_COMMANDS = ['start', 'stop', 'status'] as const;
export type CliCommand = (typeof CLI_COMMANDS)[number];

/** 1: the single broker (kafka-broker.ts); 3: the replicated cluster (kafka-cluster.ts). */
export const BROKER_COUNTS = [1, 3] as const;
export type BrokerCount = (typeof BROKER_COUNTS)[number];
const BROKERS_FLAG = '--brokers';

export const CLI_USAGE = `Usage: npm run kafka:${CLI_COMMANDS.join('|kafka:')} [-- ${KAFKA_VERSION_FLAG} <version>] [${BROKERS_FLAG} ${BROKER_COUNTS.join('|')}]`;

/** A command line the CLI cannot act on (exit code 2): unknown command or option, missing value. */
export class CliUsageError extends Error {
  readonly code = 'CLI_USAGE';

  constructor(why: string) {
    super(`${why}\n${CLI_USAGE}`);
    this.name = 'CliUsageError';
  }
}

export interface CliArgs {
  command: CliCommand;
  kafka: KafkaVersionSetting;
  brokers: BrokerCount;
}

/**
 * Parses the arguments after the script name, e.g. `start --kafka-version 4.4.0 --brokers 3`. Throws
 * CliUsageError, or UnsupportedKafkaVersionError for a version that is not known to work.
 */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  const [command, ...extra] = parsed.positionals;
  if (!CLI_COMMANDS.includes(command as CliCommand)) {
    throw new CliUsageError(command ? `Unknown command ${JSON.stringify(command)}` : 'No command');
  }
  if (extra.length > 0) throw new CliUsageError(`Unexpected argument ${JSON.stringify(extra[0])}`);
  return {
    command: command as CliCommand,
    kafka: kafkaVersionSetting(parsed.values['kafka-version'], env),
    brokers: brokerCount(parsed.values.brokers),
  };
}

/** The --brokers value: 1 unless given; only the counts there is a setup for. */
function brokerCount(value: string | undefined): BrokerCount {
  if (value === undefined) return 1;
  const count = BROKER_COUNTS.find((n) => String(n) === value);
  if (count === undefined) {
    throw new CliUsageError(
      `${BROKERS_FLAG} is ${JSON.stringify(value)}; it takes 1 (the single broker) or 3 (a replicated cluster)`,
    );
  }
  return count;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: { 'kafka-version': { type: 'string' }, brokers: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
}
