/**
 * Waits `ms`, heartbeating so the group does not evict the consumer, and returns early (false)
 * when `shouldStop` turns true: shutdown and revocation never wait out a back-off.
 */
export async function abortableWait(
  ms: number,
  shouldStop: () => boolean,
  heartbeat: () => Promise<void>,
  heartbeatEveryMs = 1_000,
): Promise<boolean> {
  const until = Date.now() + ms;
  let lastBeat = Date.now();
  while (Date.now() < until) {
    if (shouldStop()) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - Date.now())));
    if (Date.now() - lastBeat >= heartbeatEveryMs) {
      await heartbeat();
      lastBeat = Date.now();
    }
  }
  return !shouldStop();
}
