import type { Admin } from 'kafkajs';

const POLL_MS = 200;

/**
 * Waits until every partition of `topics` has a leader. kafkajs's own `waitForLeaders` retries
 * only LEADER_NOT_AVAILABLE, but a broker under load may answer a metadata request for a topic it
 * has just created with UNKNOWN_TOPIC_OR_PARTITION for a while; both are transient here.
 */
export async function waitForLeaders(
  admin: Admin,
  topics: string[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let notReady: string;
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      const leaderless = found.filter(
        (t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0),
      );
      if (leaderless.length === 0 && found.length === topics.length) return;
      notReady = `no leader yet for ${leaderless.map((t) => t.name).join(', ') || 'some topics'}`;
    } catch (error) {
      if (!isTransientMetadataError(error)) throw error;
      notReady = (error as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${topics.join(', ')} not ready after ${timeoutMs} ms: ${notReady}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function isTransientMetadataError(error: unknown): boolean {
  const type = (error as { type?: string }).type;
  return (
    type === 'UNKNOWN_TOPIC_OR_PARTITION' ||
    type === 'LEADER_NOT_AVAILABLE' ||
    (error as { retriable?: boolean }).retriable === true
  );
}
