import { MissingPeerDependencyError } from '../../errors/missing-peer-dependency.error';
import type { ConfluentKafkaJS } from './confluent-api';

export const CONFLUENT_PACKAGE = '@confluentinc/kafka-javascript';

/**
 * The package's KafkaJS-style API, loaded when the Confluent client is first used rather than at
 * import: it is an optional peer (and a native module), so an app on kafkajs never loads it and
 * need not install it. Called at bootstrap, so a missing package fails the app's start with an
 * error naming it and its install command, not with "Cannot find module" from inside the library.
 */
export function loadConfluentKafkaJS(load: (id: string) => unknown = require): ConfluentKafkaJS {
  let loaded: unknown;
  try {
    loaded = load(CONFLUENT_PACKAGE);
  } catch (error) {
    if (isThisPackageMissing(error)) {
      throw new MissingPeerDependencyError(CONFLUENT_PACKAGE, 'The Confluent Kafka client');
    }
    // Installed but not loadable (a native binary built for another Node, a missing shared
    // library): its own error says why, better than "not installed" would.
    throw error;
  }
  return (loaded as { KafkaJS: ConfluentKafkaJS }).KafkaJS;
}

/** Node's "not found" for the package itself, not for a module the package requires in turn. */
function isThisPackageMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === 'MODULE_NOT_FOUND' &&
    typeof message === 'string' &&
    message.startsWith(`Cannot find module '${CONFLUENT_PACKAGE}'`)
  );
}
