/**
 * What is known about the delivery of the record at the head of a partition across its attempts.
 * Attempts are spread over several fetches (the partition is paused between them), so this lives
 * beside the partition, not on a call stack.
 */
export interface DeliveryState {
  offset: string;
  /** Deliveries to the handler so far. */
  deliveries: number;
  /** Handler failures that count against `maxAttempts` (database outages do not). */
  failures: number;
  /** Failed writes to the dead-letter topic. */
  deadLetterFailures: number;
  firstTryAt: number;
  /** Set once the record is to move to a retry topic (non-blocking retries). */
  retryTopicMove?: { attempts: number; delayMs: number; error: unknown };
  /** Set once the record is to be dead-lettered: the error and the attempts it took. */
  deadLetter?: { error: unknown; attempts: number };
}

export function newDeliveryState(offset: string): DeliveryState {
  return { offset, deliveries: 0, failures: 0, deadLetterFailures: 0, firstTryAt: Date.now() };
}
