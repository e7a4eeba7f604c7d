/** Metadata keys and injection tokens: the only place these strings live. */
export const AT_LEAST_ONCE_HANDLER_METADATA = 'reliable-kafka:at-least-once-handler';
export const IDEMPOTENT_METADATA = 'reliable-kafka:idempotent';
export const BATCH_HANDLER_METADATA = 'reliable-kafka:batch-handler';
export const DEAD_LETTER_HANDLER_METADATA = 'reliable-kafka:dead-letter-handler';

/** The header producers set and consumers read to deduplicate across producers and restarts. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Longest key stored (the dedup column); longer keys are rejected rather than silently truncated. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
export const MESSAGE_ID_HEADER = 'message-id';

/** The module options with every default applied and every value checked, resolved once. */
export const RESOLVED_OPTIONS = Symbol('reliable-kafka:resolved-options');

/** The adapter of the Kafka client library the options name: every Kafka client comes from it. */
export const KAFKA_CLIENT_FACTORY = Symbol('reliable-kafka:kafka-client-factory');

export const DEFAULT_DEDUP_TABLE = 'reliable_kafka_dedup';
export const DEFAULT_CLIENT_ID = 'reliable-kafka';
/** consumer.sessionTimeout and consumer.rebalanceTimeout when not set. */
export const DEFAULT_SESSION_TIMEOUT_MS = 30_000;
export const DEFAULT_REBALANCE_TIMEOUT_MS = 60_000;
/**
 * How often a group commits an idle partition's offset again (PartitionCommits.probe), so that a
 * group that can no longer commit shows in health within commitStalledAfterMs even without records.
 */
export const COMMIT_PROBE_INTERVAL_MS = 10_000;
export const DEFAULT_DEAD_LETTER_SUFFIX = '.dlq';
