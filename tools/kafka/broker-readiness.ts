/** Questions put to a running broker over the wire: is it up, is it ours, which release line. */
import { Kafka, logLevel } from 'kafkajs';
import { runKafkaTool } from './kafka-tool';
import { isOfReleaseLine } from './kafka-version';

// KafkaJS 2.x warns about its partitioner change on every producer; it is noise for us.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

/** Asks the broker for its cluster id through a real client call; undefined if it does not answer. */
export async function describeClusterId(brokers: string): Promise<string | undefined> {
  const admin = new Kafka({
    clientId: 'reliable-kafka-broker-probe',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 0 }, // the caller polls; a probe must fail fast
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 ? cluster.clusterId : undefined;
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Reads metadata.version support from the broker itself (DescribeFeatures over the wire), with
 * the FeatureCommand of Kafka `version`.
 */
export async function brokerMetadataVersion(
  brokers: string,
  version: string,
): Promise<string | undefined> {
  try {
    const out = await runKafkaTool(
      version,
      'org.apache.kafka.tools.FeatureCommand',
      ['--bootstrap-server', brokers, 'describe'],
      30_000,
    );
    return /Feature: metadata\.version\s.*SupportedMaxVersion: (\S+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The broker's metadata.version, after checking it is of Kafka `version`'s release line: throws
 * when it is not, undefined when the broker does not say.
 */
export async function releaseLineMetadataVersion(
  brokers: string,
  version: string,
): Promise<string | undefined> {
  const metadataVersion = await brokerMetadataVersion(brokers, version);
  if (metadataVersion && !isOfReleaseLine(metadataVersion, version)) {
    throw new Error(
      `Broker on ${brokers} supports metadata.version up to ${metadataVersion}, ` +
        `which is not the release line of Kafka ${version}`,
    );
  }
  return metadataVersion;
}
