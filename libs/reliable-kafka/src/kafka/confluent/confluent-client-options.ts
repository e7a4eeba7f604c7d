/**
 * The `client` option for `@confluentinc/kafka-javascript` (librdkafka). The common settings by
 * name; anything else librdkafka has as a property, by its own name under `librdkafka`.
 */
export interface ConfluentClientOptions {
  library: 'confluent';
  /** Bootstrap brokers, host:port. */
  brokers: string[];
  /** Kafka `client.id`; the producer and health clients add `-producer` and `-health`. */
  clientId?: string;
  /** TLS to the brokers (`security.protocol` ssl, or sasl_ssl with `sasl`). */
  ssl?: boolean;
  /** SASL authentication: PLAIN or SCRAM, as `sasl.mechanism`, `sasl.username`, `sasl.password`. */
  sasl?: {
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    username: string;
    password: string;
  };
  /** Kafka `socket.connection.setup.timeout.ms`. */
  connectionTimeout?: number;
  /** Kafka `request.timeout.ms` (librdkafka: `socket.timeout.ms`). */
  requestTimeout?: number;
  consumer?: ConfluentConsumerOptions;
  /**
   * librdkafka properties by name ('ssl.ca.location', 'statistics.interval.ms', ...), given to
   * every client. They win over the settings above; those the library sets for its guarantee
   * (offset commits, acks, idempotence, retries, the rebalance callback) are refused at bootstrap.
   */
  librdkafka?: Record<string, string | number | boolean>;
}

export interface ConfluentConsumerOptions {
  /**
   * The consumer group protocol. `'classic'` (the default): the group leader assigns, and a
   * member joining or leaving revokes every member's partitions (eager). `'consumer'` (KIP-848,
   * Kafka 4.0 or later): the broker assigns incrementally, and only the partitions that move are
   * revoked; `consumer.sessionTimeout` and `consumer.heartbeatInterval` are the broker's then
   * (`group.consumer.*`), and setting them fails at bootstrap.
   */
  groupProtocol?: 'classic' | 'consumer';
  /**
   * Static membership (`group.instance.id`): a member that restarts with the same id within the
   * session timeout gets its partitions back, and the group does not rebalance. Unique per
   * running instance of the app.
   */
  groupInstanceId?: string;
}

/** librdkafka properties the library sets itself: changing them would break its guarantee. */
export const RESERVED_LIBRDKAFKA_PROPERTIES: readonly string[] = [
  'enable.auto.commit',
  'enable.auto.offset.store',
  'rebalance_cb',
  'offset_commit_cb',
  'group.id',
  'group.protocol',
  'group.instance.id',
  'acks',
  'request.required.acks',
  'enable.idempotence',
  'max.in.flight',
  'max.in.flight.requests.per.connection',
  'message.timeout.ms',
  'delivery.timeout.ms',
  'retries',
  'message.send.max.retries',
  'allow.auto.create.topics',
  'auto.offset.reset',
  // Records of aborted transactions would be applied.
  'isolation.level',
  // The library's producers are idempotent, not transactional.
  'transactional.id',
  // Set from the library's consumer settings (consumer.sessionTimeout, ...), which would
  // otherwise be overridden without a word.
  'session.timeout.ms',
  'heartbeat.interval.ms',
  'max.poll.interval.ms',
  'fetch.wait.max.ms',
  'max.partition.fetch.bytes',
  'partition.assignment.strategy',
  'js.consumer.max.batch.size',
];
