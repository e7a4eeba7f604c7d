import { ReliableKafkaError } from './reliable-kafka.error';

/** An optional peer dependency that a feature needs is not installed in the app. */
export class MissingPeerDependencyError extends ReliableKafkaError {
  readonly code = 'RK_MISSING_PEER_DEPENDENCY';

  constructor(
    readonly packageName: string,
    feature: string,
  ) {
    super(
      `${feature} needs the package "${packageName}", which is not installed: run \`npm install ${packageName}\``,
    );
  }
}
