import type { AdminClient } from './port/admin-client';

const POLL_MS = 200;

/**
 * Waits until every partition of `topics` has a leader: a topic just created may be unknown to
 * the broker answering, or leaderless, for a while (the client says which failures mean that).
 */
export async function waitForLeaders(
  admin: Pick<AdminClient, 'topicPartitions' | 'isNotReady'>,
  topics: string[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let notReady: string;
    try {
      const found = await admin.topicPartitions(topics);
      const leaderless = found.filter(
        (t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0),
      );
      if (leaderless.length === 0 && found.length === topics.length) return;
      notReady = `no leader yet for ${leaderless.map((t) => t.topic).join(', ') || 'some topics'}`;
    } catch (error) {
      if (!admin.isNotReady(error)) throw error;
      notReady = (error as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${topics.join(', ')} not ready after ${timeoutMs} ms: ${notReady}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
