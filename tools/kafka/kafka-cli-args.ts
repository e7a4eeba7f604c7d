/** The command line of tools/kafka/kafka-cli.ts: a command and the Kafka version setting. */
import { parseArgs } from 'node:util';
import { KAFKA_VERSION_FLAG, kafkaVersionSetting, type KafkaVersionSetting } from './kafka-version';

export const CLI_COMMANDS = ['start', 'stop', 'status'] as const;
export type CliCommand = (typeof CLI_COMMANDS)[number];

export const CLI_USAGE = `Usage: npm run kafka:${CLI_COMMANDS.join('|kafka:')} [-- ${KAFKA_VERSION_FLAG} <version>]`;

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
}

/**
 * Parses the arguments after the script name, e.g. `start --kafka-version 4.4.0`. Throws
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
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: { 'kafka-version': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
}
