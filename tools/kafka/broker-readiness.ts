/** Questions put to a running broker over the wire: is it up, is it ours, which release line. */
import * as net from 'node:net';
import { type Admin, type ISocketFactory, Kafka, logLevel } from 'kafkajs';
import { runKafkaTool } from './kafka-tool';
import { isOfReleaseLine } from './kafka-version';

// KafkaJS 2.x warns about its partitioner change on every producer; it is noise for us.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

/** What one node says of its cluster: the cluster id and the brokers it lists as alive. */
export interface NodeAnswer {
  clusterId: string;
  brokerIds: number[];
}

/**
 * Sends every connection to `brokers`, whichever broker kafkajs means: kafkajs puts a metadata
 * call to a random broker of the list it got, but the question is what THIS node says (a dead or
 * paused peer must not make a live node look silent, nor a peer answer for a dead one).
 */
export function onlyTo(brokers: string): ISocketFactory {
  const colon = brokers.lastIndexOf(':');
  const host = brokers.slice(0, colon);
  const port = Number(brokers.slice(colon + 1));
  return ({ onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    return socket;
  };
}

/** A kafkajs admin that talks to the node `brokers` alone and fails fast (the caller polls). */
export function probeAdmin(brokers: string): Admin {
  return new Kafka({
    clientId: 'reliable-kafka-broker-probe',
    brokers: [brokers],
    socketFactory: onlyTo(brokers),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 0 },
  }).admin();
}

/** Asks the node itself (describeCluster); undefined if it does not answer or lists no broker. */
export async function describeNode(brokers: string): Promise<NodeAnswer | undefined> {
  const admin = probeAdmin(brokers);
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0
      ? { clusterId: cluster.clusterId, brokerIds: cluster.brokers.map((b) => b.nodeId) }
      : undefined;
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Asks the broker for its cluster id through a real client call; undefined if it does not answer. */
export async function describeClusterId(brokers: string): Promise<string | undefined> {
  return (await describeNode(brokers))?.clusterId;
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
