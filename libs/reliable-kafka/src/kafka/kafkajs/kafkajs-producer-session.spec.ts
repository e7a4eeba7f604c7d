import type { Producer, ProducerRecord, RecordMetadata } from 'kafkajs';
import { KafkajsProducerSession } from './kafkajs-producer-session';

/** A kafkajs producer whose sends wait until the test settles them. */
interface FakeProducer {
  id: number;
  connected: boolean;
  disconnected: boolean;
  sends: { record: ProducerRecord; ok(): void; fail(error: Error): void }[];
}

function fakes() {
  const made: FakeProducer[] = [];
  const create = (): Producer => {
    const fake: FakeProducer = {
      id: made.length,
      connected: false,
      disconnected: false,
      sends: [],
    };
    made.push(fake);
    return {
      connect: async () => void (fake.connected = true),
      disconnect: async () => void (fake.disconnected = true),
      send: (record: ProducerRecord) =>
        new Promise<RecordMetadata[]>((resolve, reject) =>
          fake.sends.push({
            record,
            ok: () => resolve([{ topicName: record.topic, partition: 0, errorCode: 0 }]),
            fail: reject,
          }),
        ),
    } as unknown as Producer;
  };
  return { made, create };
}

/** A connected session over fake producers. */
async function connected(idempotent = true) {
  const { made, create } = fakes();
  const session = new KafkajsProducerSession(create, idempotent);
  await session.connect();
  return { made, session };
}

/** The session's first send fails as a timed-out request would. */
async function failFirstSend(made: FakeProducer[], session: KafkajsProducerSession) {
  const first = session.send(record('t'));
  await tick();
  made[0].sends[0].fail(new Error('Request timed out'));
  await expect(first).rejects.toThrow('Request timed out');
}

const record = (topic: string): ProducerRecord => ({ topic, messages: [{ value: 'v' }] });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KafkajsProducerSession', () => {
  it('sends after a failed send go through a new producer; the old one is disconnected', async () => {
    const { made, session } = await connected();
    await failFirstSend(made, session);

    const second = session.send(record('t'));
    await tick();
    expect(made).toHaveLength(2);
    expect(made[1].connected).toBe(true);
    expect(made[0].disconnected).toBe(true);
    made[1].sends[0].ok();
    await expect(second).resolves.toHaveLength(1);
    expect(made[0].sends).toHaveLength(1); // nothing more went through the tainted one
  });

  it('a send of a topic waits until the earlier one settled, so an abandoned send taints its producer first', async () => {
    const { made, session } = await connected();
    const abandoned = session.send(record('t'));
    const next = session.send(record('t'));
    await tick();
    expect(made[0].sends).toHaveLength(1); // the second is not built yet

    made[0].sends[0].fail(new Error('Connection error'));
    await expect(abandoned).rejects.toThrow('Connection error');
    await tick();
    expect(made).toHaveLength(2);
    expect(made[1].sends.map((s) => s.record.topic)).toEqual(['t']);
    made[1].sends[0].ok();
    await expect(next).resolves.toHaveLength(1);
  });

  it('sends of different topics go on in parallel through the same producer', async () => {
    const { made, session } = await connected();
    const a = session.send(record('a'));
    const b = session.send(record('b'));
    await tick();
    expect(made).toHaveLength(1);
    expect(made[0].sends.map((s) => s.record.topic)).toEqual(['a', 'b']);
    made[0].sends.forEach((s) => s.ok());
    await Promise.all([a, b]);
  });

  it('a send still in flight on a replaced producer finishes there; the producer is disconnected after it', async () => {
    const { made, session } = await connected();
    const slow = session.send(record('other'));
    const failing = session.send(record('t'));
    await tick();
    made[0].sends[1].fail(new Error('Request timed out'));
    await expect(failing).rejects.toThrow();

    const renewed = session.send(record('t'));
    await tick();
    expect(made).toHaveLength(2);
    expect(made[0].disconnected).toBe(false); // 'other' is still in flight on it
    made[0].sends[0].ok();
    await slow;
    await tick();
    expect(made[0].disconnected).toBe(true);
    made[1].sends[0].ok();
    await renewed;
  });

  it('a new producer that cannot connect fails the send; the next send tries again', async () => {
    const { made, create } = fakes();
    let refuse = false;
    const session = new KafkajsProducerSession(() => {
      const producer = create();
      const connect = producer.connect.bind(producer);
      producer.connect = async () => {
        if (refuse) throw new Error('Connection refused');
        await connect();
      };
      return producer;
    }, true);
    await session.connect();
    await failFirstSend(made, session);

    refuse = true;
    await expect(session.send(record('t'))).rejects.toThrow('Connection refused');
    expect(made[1].disconnected).toBe(true);
    refuse = false;
    const third = session.send(record('t'));
    await tick();
    expect(made).toHaveLength(3);
    made[2].sends[0].ok();
    await third;
  });

  it('without idempotence there are no sequence numbers to protect: the producer is kept', async () => {
    const { made, session } = await connected(false);
    await failFirstSend(made, session);
    const second = session.send(record('t'));
    await tick();
    expect(made).toHaveLength(1);
    made[0].sends[1].ok();
    await second;
  });

  it('an earlier send of the topic still running after a second is left to its producer: the next send takes a new one', async () => {
    const { made, session } = await connected();
    const abandoned = session.send(record('t'));
    const next = session.send(record('t'));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(made).toHaveLength(2);
    expect(made[1].sends.map((s) => s.record.topic)).toEqual(['t']);
    expect(made[0].disconnected).toBe(false); // its send is still running there
    made[1].sends[0].ok();
    await next;
    made[0].sends[0].ok(); // written after all: reported failed by the deadline, that is allowed
    await abandoned;
    await tick();
    expect(made[0].disconnected).toBe(true);
  });

  it('after disconnect no send goes through and no producer is made; a renewal under way is disconnected', async () => {
    const { made, create } = fakes();
    let release!: () => void;
    const session = new KafkajsProducerSession(() => {
      const producer = create();
      if (made.length > 1) {
        const connect = producer.connect.bind(producer);
        producer.connect = () => new Promise<void>((resolve) => (release = resolve)).then(connect);
      }
      return producer;
    }, true);
    await session.connect();
    await failFirstSend(made, session);

    const renewing = session.send(record('t')); // connecting a new producer, held
    await tick();
    expect(made).toHaveLength(2);
    const closing = session.disconnect();
    release();
    await closing;
    await expect(renewing).rejects.toThrow('the producer is disconnected');
    expect(made.map((m) => m.disconnected)).toEqual([true, true]);
    await expect(session.send(record('t'))).rejects.toThrow('the producer is disconnected');
    expect(made).toHaveLength(2);
  });
});
