/** Kafka's own command-line classes (storage format, feature and group commands) run from Node. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { TOOLS_DIR } from './broker-home';
import { ensureKafkaJars } from './kafka-jars';

const execFileAsync = promisify(execFile);
const TOOLS_LOG4J = path.join(TOOLS_DIR, 'tools-log4j2.properties');

/**
 * Runs one of Kafka's own command-line classes (e.g.
 * 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand') on the classpath of Kafka
 * `version` (the broker's own: storage formats and feature levels differ between releases), with
 * its logging sent to stderr at WARN so stdout is only the command's output.
 */
export async function runKafkaTool(
  version: string,
  mainClass: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<string> {
  const { libDir } = await ensureKafkaJars(version);
  const { stdout } = await execFileAsync(
    'java',
    [`-Dlog4j2.configurationFile=${TOOLS_LOG4J}`, '-cp', `${libDir}/*`, mainClass, ...args],
    { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}
