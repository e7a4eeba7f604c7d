/**
 * The producer side of the checker: what ReliableProducer reported against what the topic holds
 * after the faults, and the outbox's messages against the credits applied.
 */
import type { AckedRecord, FailedSend } from './acked-producer';
import type { TopicRecord } from './fault-kafka';
import type { FaultMessage } from './fault-worker';
import { outboxKeyOf } from './fault-worker';

export interface ProducerCheck {
  /** Records the producer reported acknowledged (a message sent twice counts twice). */
  acknowledged: number;
  /** Acknowledged, but not on the topic at the partition and offset given: the broken promise. */
  acknowledgedMissing: number;
  /** The first of them: `id partition@offset`, what that offset holds and where the key is. */
  missing: string[];
  /** Sends reported failed for good (each was sent again until acknowledged). */
  failed: number;
  /** ... of which the topic holds more copies than acknowledgements: written all the same. */
  failedButWritten: number;
  /** Failed with anything but one of the library's typed errors. */
  failedUntyped: number;
  /** Failed later than the delivery timeout (plus one request timeout of slack). */
  failedAfterDeliveryTimeout: number;
  /** Error class names of the failed sends, counted. */
  failedBy: Record<string, number>;
  /** The client errors beneath them, counted. */
  failedCauses: Record<string, number>;
}

export function checkProducer(
  acked: AckedRecord[],
  failed: FailedSend[],
  source: TopicRecord[],
  settings: { deliveryTimeoutMs: number },
): ProducerCheck {
  const at = new Map(
    source.map((r) => [`${r.partition}@${r.offset}`, r.headers['idempotency-key']]),
  );
  const missing = acked.filter((a) => at.get(`${a.partition}@${a.offset}`) !== a.id);
  const copies = new Map<string, number>();
  const where = new Map<string, string[]>();
  for (const r of source) {
    const key = r.headers['idempotency-key'];
    copies.set(key, (copies.get(key) ?? 0) + 1);
    where.set(key, [...(where.get(key) ?? []), `${r.partition}@${r.offset}`]);
  }
  // What a reader needs to tell a lost write from a wrong acknowledgement.
  const describe = (a: AckedRecord) => {
    const there = at.get(`${a.partition}@${a.offset}`);
    const elsewhere = where.get(a.id);
    return `${a.id} ${a.partition}@${a.offset} acknowledged at ${a.at} (that offset holds ${there ?? 'nothing'}; the key is ${elsewhere ? `at ${elsewhere.join(' ')}` : 'nowhere on the topic'})`;
  };
  const acks = new Map<string, number>();
  for (const a of acked) acks.set(a.id, (acks.get(a.id) ?? 0) + 1);
  const failedIds = new Set(failed.map((f) => f.id));
  const failedBy: Record<string, number> = {};
  const failedCauses: Record<string, number> = {};
  for (const f of failed) {
    failedBy[f.error] = (failedBy[f.error] ?? 0) + 1;
    const cause = f.cause ?? '-';
    failedCauses[cause] = (failedCauses[cause] ?? 0) + 1;
  }
  // The producer's request timeout is at most 10 s: one request may be in flight at the deadline.
  const slackMs = 10_000;
  return {
    acknowledged: acked.length,
    acknowledgedMissing: missing.length,
    missing: missing.slice(0, 50).map(describe),
    failed: failed.length,
    failedButWritten: [...failedIds].filter((id) => (copies.get(id) ?? 0) > (acks.get(id) ?? 0))
      .length,
    failedUntyped: failed.filter((f) => !f.typed).length,
    failedAfterDeliveryTimeout: failed.filter(
      (f) => f.elapsedMs > settings.deliveryTimeoutMs + slackMs,
    ).length,
    failedBy,
    failedCauses,
  };
}

export interface OutboxCheck {
  /** Credits whose outbox message is not on the outbox topic. */
  missing: number;
  /** Outbox messages on the topic more than once (a relay crash between publish and mark-sent). */
  duplicated: number;
  records: number;
}

/** Every credit wrote one outbox message in its transaction: each must have been published. */
export function checkOutbox(messages: FaultMessage[], outbox: TopicRecord[]): OutboxCheck {
  const copies = new Map<string, number>();
  for (const r of outbox) {
    const key = r.headers['idempotency-key'];
    copies.set(key, (copies.get(key) ?? 0) + 1);
  }
  const expected = messages.filter((m) => !m.poison).map((m) => outboxKeyOf(m.id));
  return {
    missing: expected.filter((k) => !copies.has(k)).length,
    duplicated: [...copies.values()].filter((n) => n > 1).length,
    records: outbox.length,
  };
}
