/** A topic to create. */
export interface NewTopic {
  topic: string;
  numPartitions: number;
  /** -1: the broker's default. */
  replicationFactor: number;
}

/** A topic's partitions and the broker id leading each (negative: no leader yet). */
export interface TopicPartitions {
  topic: string;
  partitions: { partition: number; leader: number }[];
}

/** What the library asks of a cluster besides producing and consuming. */
export interface AdminClient {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  /** Creates the topics; resolves once the controller accepted them (leaders may follow later). */
  createTopics(topics: NewTopic[]): Promise<void>;
  /** Each topic's partitions and leaders; fails for a topic the broker does not know. */
  topicPartitions(topics: string[]): Promise<TopicPartitions[]>;
  /** The group's committed offset of each partition of `topic` ('-1': none). */
  committedOffsets(groupId: string, topic: string): Promise<Record<number, string>>;
  /** One request a broker must answer: whether the cluster is reachable now. */
  ping(): Promise<void>;
  /**
   * Whether a failure is the brokers being out of reach (after the client's own retries): a
   * connection refused, reset, closed or timed out, a name that does not resolve. Not a broker's
   * answer, an authentication or TLS failure, or a timeout on an open connection.
   */
  isConnectionFailure(error: unknown): boolean;
  /**
   * Whether a metadata failure says only that a topic or its leaders are not ready yet, as right
   * after it was created: asking again soon will do.
   */
  isNotReady(error: unknown): boolean;
}
