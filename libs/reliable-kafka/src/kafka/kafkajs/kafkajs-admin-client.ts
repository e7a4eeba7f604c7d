import type { Admin } from 'kafkajs';
import type { AdminClient, NewTopic, TopicPartitions } from '../port/admin-client';
import { isConnectionFailure } from './kafkajs-errors';

/** A kafkajs admin client as the port's. */
export class KafkajsAdminClient implements AdminClient {
  constructor(private readonly admin: Admin) {}

  connect(): Promise<void> {
    return this.admin.connect();
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  async createTopics(topics: NewTopic[]): Promise<void> {
    await this.admin.createTopics({ topics });
  }

  async topicPartitions(topics: string[]): Promise<TopicPartitions[]> {
    const { topics: found } = await this.admin.fetchTopicMetadata({ topics });
    return found.map(({ name, partitions }) => ({
      topic: name,
      partitions: partitions.map(({ partitionId, leader }) => ({
        partition: partitionId,
        leader,
      })),
    }));
  }

  async committedOffsets(groupId: string, topic: string): Promise<Record<number, string>> {
    const [result] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries((result?.partitions ?? []).map((p) => [p.partition, p.offset]));
  }

  async ping(): Promise<void> {
    await this.admin.describeCluster();
  }

  isConnectionFailure(error: unknown): boolean {
    return isConnectionFailure(error);
  }

  /**
   * kafkajs's own `waitForLeaders` retries only LEADER_NOT_AVAILABLE, but a broker under load may
   * answer a metadata request for a topic it has just created with UNKNOWN_TOPIC_OR_PARTITION for
   * a while; both say "not yet", as does any error kafkajs declares retriable.
   */
  isNotReady(error: unknown): boolean {
    const type = (error as { type?: string }).type;
    return (
      type === 'UNKNOWN_TOPIC_OR_PARTITION' ||
      type === 'LEADER_NOT_AVAILABLE' ||
      (error as { retriable?: boolean }).retriable === true
    );
  }
}
