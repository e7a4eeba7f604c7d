import type { HandlerDefinition } from '../discovery/handler-definition';
import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import type { AdminClient } from '../kafka/port/admin-client';
import type { TopicOptions } from '../options/reliable-kafka.options';
import { waitForLeaders } from '../kafka/wait-for-leaders';

/**
 * At bootstrap: handler topics must exist (or are created when `topics.create`); the topics the
 * library derives from them (retry topics, the dead-letter topic) are created with their source's
 * partition count. A handler may consume another handler's derived topic.
 */
export async function prepareTopics(
  admin: AdminClient,
  handlers: HandlerDefinition[],
  options: TopicOptions,
): Promise<void> {
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const derivedFrom = new Map<string, string>();
    for (const handler of handlers) {
      for (const { topic, source } of handler.retryTopics) derivedFrom.set(topic, source);
      if (!handler.createDeadLetterTopic) continue;
      for (const topic of handler.topics) derivedFrom.set(handler.deadLetterTopic(topic), topic);
    }
    const sources = [...new Set(handlers.flatMap((h) => h.topics))];
    const missing = sources.filter((t) => !existing.has(t) && !derivedFrom.has(t));
    if (missing.length > 0) {
      if (!options.create) {
        throw new ReliableKafkaConfigurationError(
          'topics',
          `topic(s) ${missing.join(', ')} do not exist on the broker; create them, or set topics.create: true`,
        );
      }
      await createTopics(
        admin,
        missing.map((topic) => [topic, options.numPartitions ?? 1]),
        options,
      );
      missing.forEach((t) => existing.add(t));
    }
    // Sources first, so a dead-letter topic of a dead-letter topic finds its source's partitions.
    let pending = [...derivedFrom].filter(([derived]) => !existing.has(derived));
    while (pending.length > 0) {
      const ready = pending.filter(([, source]) => existing.has(source));
      if (ready.length === 0) break;
      const metadata = await admin.topicPartitions([...new Set(ready.map(([, source]) => source))]);
      const partitionsOf = new Map(metadata.map((t) => [t.topic, t.partitions.length]));
      await createTopics(
        admin,
        ready.map(([derived, source]) => [derived, partitionsOf.get(source) ?? 1]),
        options,
      );
      ready.forEach(([derived]) => existing.add(derived));
      pending = pending.filter(([derived]) => !existing.has(derived));
    }
  } finally {
    await admin.disconnect();
  }
}

async function createTopics(
  admin: AdminClient,
  topics: [string, number][],
  options: TopicOptions,
): Promise<void> {
  await admin.createTopics(
    topics.map(([topic, numPartitions]) => ({
      topic,
      numPartitions,
      replicationFactor: options.replicationFactor ?? -1,
    })),
  );
  await waitForLeaders(
    admin,
    topics.map(([topic]) => topic),
  );
}
