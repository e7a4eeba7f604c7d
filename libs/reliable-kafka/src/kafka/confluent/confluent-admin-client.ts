import type { AdminClient, NewTopic, TopicPartitions } from '../port/admin-client';
import type { ConfluentAdmin } from './confluent-api';
import { LibrdkafkaErrorCode, librdkafkaErrorCode } from './confluent-errors';

const C = LibrdkafkaErrorCode;

/** The brokers are out of reach: no connection, no address, or no broker answered in time. */
const CONNECTION_FAILURES: ReadonlySet<number> = new Set([
  C.ERR__TRANSPORT,
  C.ERR__RESOLVE,
  C.ERR__ALL_BROKERS_DOWN,
]);

/** A topic just created: the broker does not know it or its leaders yet. */
const NOT_READY: ReadonlySet<number> = new Set([
  C.ERR_UNKNOWN_TOPIC_OR_PART,
  C.ERR__UNKNOWN_TOPIC,
  C.ERR_LEADER_NOT_AVAILABLE,
  C.ERR_NOT_LEADER_FOR_PARTITION,
]);

/**
 * A Confluent admin client as the port's. librdkafka has no request that only pings: the health
 * probe asks for the topic names, which a broker must answer.
 */
export class ConfluentAdminClient implements AdminClient {
  constructor(
    private readonly admin: ConfluentAdmin,
    /** Each request's bound; librdkafka's calls wait for a broker up to it. */
    private readonly timeoutMs: number,
  ) {}

  connect(): Promise<void> {
    return this.admin.connect();
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics({ timeout: this.timeoutMs });
  }

  async createTopics(topics: NewTopic[]): Promise<void> {
    // Resolves false when a topic existed already, as kafkajs does; other failures throw.
    await this.admin.createTopics({ topics, timeout: this.timeoutMs });
  }

  async topicPartitions(topics: string[]): Promise<TopicPartitions[]> {
    const found = await this.admin.fetchTopicMetadata({ topics, timeout: this.timeoutMs });
    return found.map(({ name, partitions }) => ({
      topic: name,
      partitions: partitions.map(({ partitionId, leader }) => ({ partition: partitionId, leader })),
    }));
  }

  async committedOffsets(groupId: string, topic: string): Promise<Record<number, string>> {
    const [result] = await this.admin.fetchOffsets({
      groupId,
      topics: [topic],
      timeout: this.timeoutMs,
    });
    return Object.fromEntries((result?.partitions ?? []).map((p) => [p.partition, p.offset]));
  }

  async ping(): Promise<void> {
    await this.admin.listTopics({ timeout: this.timeoutMs });
  }

  isConnectionFailure(error: unknown): boolean {
    const code = librdkafkaErrorCode(error);
    return code !== undefined && CONNECTION_FAILURES.has(code);
  }

  isNotReady(error: unknown): boolean {
    const code = librdkafkaErrorCode(error);
    return code !== undefined && NOT_READY.has(code);
  }
}
