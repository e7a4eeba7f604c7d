import type { Producer, ProducerRecord, RecordMetadata } from 'kafkajs';

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
 * - the sends of one topic go one at a time, so a send abandoned by the delivery timeout and
 *   still in flight settles (and taints its producer) before the next send of that topic is
 *   built; sends of other topics use other partitions and go on in parallel.
 */
export class KafkajsProducerSession {
  private current: Generation;
  private renewing?: Promise<Generation>;
  private readonly retired = new Set<Generation>();
  private readonly topicTurns = new Map<string, Promise<unknown>>();

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
    const all = [this.current, ...this.retired];
    this.retired.clear();
    await Promise.allSettled(all.map((g) => g.producer.disconnect()));
  }

  /** `producer.send` after every earlier send of the topic settled, through a trusted producer. */
  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const previous = this.topicTurns.get(record.topic) ?? Promise.resolve();
    const turn = previous.catch(() => undefined).then(() => this.sendNow(record));
    const settled = turn.catch(() => undefined);
    this.topicTurns.set(record.topic, settled);
    // Forget the topic once nothing more waits behind this send.
    void settled.then(() => {
      if (this.topicTurns.get(record.topic) === settled) this.topicTurns.delete(record.topic);
    });
    return turn;
  }

  private async sendNow(record: ProducerRecord): Promise<RecordMetadata[]> {
    const generation = this.current.tainted ? await this.renew() : this.current;
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
      const next = this.generation();
      try {
        await next.producer.connect();
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
