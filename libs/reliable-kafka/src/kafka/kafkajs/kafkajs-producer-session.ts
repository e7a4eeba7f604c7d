import type { Producer, ProducerRecord, RecordMetadata } from 'kafkajs';
import { withTimeout } from '../bounded-wait';

/** One kafkajs producer (one producer id), and what it still has in flight. */
interface Generation {
  producer: Producer;
  inFlight: number;
  /** A send failed: its sequence numbers can no longer be trusted; no new send goes through it. */
  tainted: boolean;
  /** Replaced: disconnected once its last send settled. */
  retired: boolean;
}

/**
 * How long a send waits for an earlier send of its topic before it takes a new producer instead:
 * sends of a healthy cluster settle well within it; one still running after it is most likely
 * one the delivery timeout gave up on, which kafkajs may go on retrying for minutes.
 */
const EARLIER_SEND_PATIENCE_MS = 1_000;

/** The session was disconnected: no send goes through it any more. */
export class ProducerSessionClosedError extends Error {
  constructor() {
    super('the producer is disconnected');
    this.name = 'ProducerSessionClosedError';
  }
}

/**
 * The kafkajs producer the sends go through, replaced by a new one (a new producer id) when its
 * sequence numbers can no longer be trusted.
 *
 * kafkajs numbers a partition's batch when it builds a produce request and, if the request fails,
 * takes the numbers back. But a request that failed at the client (a timeout, a lost connection,
 * retries spent while a leader waited for its followers) may have been appended by the leader.
 * The next batch to that partition then reuses those numbers, and the broker takes it for a
 * duplicate of the appended one: it answers with the appended batch's offsets, so records never
 * written are reported written, or, when the counts differ, with OUT_OF_ORDER_SEQUENCE_NUMBER for
 * every later batch. Java's producer bumps its epoch in that case; kafkajs does not. So, with the
 * idempotent producer:
 * - after a failed send, the next one goes through a new producer: a resend of the failed
 *   records may then be written twice (consumers' dedup records absorb it), never reported
 *   written in place of others;
 * - a send waits for the earlier send of its topic to settle (it may fail, and taint its
 *   producer, before this one is built), but at most EARLIER_SEND_PATIENCE_MS: an earlier send
 *   still running then (one the delivery timeout gave up on) is left to its producer, and this
 *   send takes a new one, whose numbers it cannot collide with.
 * Without idempotence there are no numbers to protect: sends go straight through.
 */
export class KafkajsProducerSession {
  private current: Generation;
  private renewing?: Promise<Generation>;
  private closed = false;
  private readonly retired = new Set<Generation>();
  /** Per topic, the send in flight last started and the producer it went through. */
  private readonly lastSend = new Map<string, { settled: Promise<unknown>; via: Generation }>();

  constructor(
    private readonly create: () => Producer,
    private readonly idempotent: boolean,
  ) {
    this.current = this.generation();
  }

  connect(): Promise<void> {
    return this.current.producer.connect();
  }

  async disconnect(): Promise<void> {
    this.closed = true;
    await this.renewing?.catch(() => undefined);
    const all = [this.current, ...this.retired];
    this.retired.clear();
    await Promise.allSettled(all.map((g) => g.producer.disconnect()));
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (!this.idempotent) return this.through(this.current, record);
    const earlier = this.lastSend.get(record.topic);
    // Recorded before the send starts: a later send of the topic must find it at once.
    const ours: { settled: Promise<unknown>; via: Generation } = {
      settled: Promise.resolve(),
      via: this.current,
    };
    this.lastSend.set(record.topic, ours);
    const sending = (async () => {
      if (earlier) {
        if (!(await withTimeout(earlier.settled, EARLIER_SEND_PATIENCE_MS)))
          earlier.via.tainted = true;
      }
      const generation = this.current.tainted ? await this.renew() : this.current;
      ours.via = generation;
      return this.through(generation, record);
    })();
    ours.settled = sending.catch(() => undefined);
    void ours.settled.then(() => {
      if (this.lastSend.get(record.topic) === ours) this.lastSend.delete(record.topic);
    });
    return sending;
  }

  private async through(generation: Generation, record: ProducerRecord): Promise<RecordMetadata[]> {
    if (this.closed) throw new ProducerSessionClosedError();
    generation.inFlight++;
    try {
      return await generation.producer.send(record);
    } catch (error) {
      if (this.idempotent) generation.tainted = true;
      throw error;
    } finally {
      generation.inFlight--;
      if (generation.retired && generation.inFlight === 0) this.drop(generation);
    }
  }

  /** A connected new producer in place of the tainted one (one renewal for concurrent sends). */
  private renew(): Promise<Generation> {
    this.renewing ??= (async () => {
      if (this.closed) throw new ProducerSessionClosedError();
      const next = this.generation();
      try {
        await next.producer.connect();
        if (this.closed) throw new ProducerSessionClosedError();
      } catch (error) {
        await next.producer.disconnect().catch(() => undefined);
        throw error;
      } finally {
        this.renewing = undefined;
      }
      const old = this.current;
      this.current = next;
      old.retired = true;
      if (old.inFlight === 0) this.drop(old);
      else this.retired.add(old);
      return next;
    })();
    return this.renewing;
  }

  private drop(generation: Generation): void {
    this.retired.delete(generation);
    void generation.producer.disconnect().catch(() => undefined);
  }

  private generation(): Generation {
    return { producer: this.create(), inFlight: 0, tainted: false, retired: false };
  }
}
