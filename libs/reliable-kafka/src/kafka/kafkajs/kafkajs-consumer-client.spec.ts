import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import type { ConsumerListener, ConsumerSettings } from '../port/consumer-client';
import { KafkajsConsumerClient } from './kafkajs-consumer-client';

const EVENTS = { GROUP_JOIN: 'join', CRASH: 'crash', STOP: 'stop', DISCONNECT: 'disconnect' };

/** kafkajs consumers that record their calls; `failConnect` makes the next connects fail. */
function kafkaOfFakes() {
  const made: { emitter: EventEmitter; runs: number; disconnected: boolean }[] = [];
  let failConnect = 0;
  const kafka = {
    consumer: () => {
      const emitter = new EventEmitter();
      const fake = { emitter, runs: 0, disconnected: false };
      made.push(fake);
      return {
        events: EVENTS,
        on: (event: string, fn: (e: unknown) => void) => emitter.on(event, fn),
        connect: async () => {
          if (failConnect > 0) {
            failConnect--;
            throw new Error('Connection error: connect ECONNREFUSED');
          }
        },
        subscribe: async () => undefined,
        run: async () => void fake.runs++,
        stop: async () => undefined,
        disconnect: async () => void (fake.disconnected = true),
      };
    },
  } as unknown as Kafka;
  return { kafka, made, failConnectTimes: (n: number) => (failConnect = n) };
}

const settings = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 20_000,
  maxBytesPerPartition: 1_048_576,
  maxWaitTimeMs: 500,
  partitionsConsumedConcurrently: 1,
} as ConsumerSettings;

function listener() {
  const crashes: boolean[] = [];
  const l = {
    assigned: () => undefined,
    crashed: (_error: Error, restarting: boolean) => crashes.push(restarting),
    stopped: () => undefined,
    eachBatch: async () => undefined,
  } as unknown as ConsumerListener;
  return { l, crashes };
}

const crash = (restart: boolean) => ({ payload: { error: new Error('boom'), restart } });
const flush = () => new Promise((resolve) => jest.requireActual('timers').setImmediate(resolve));

describe('KafkajsConsumerClient: a crash kafkajs does not restart', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('is restarted by the library after 1 s with a new kafkajs consumer, and reported as restarting', async () => {
    const { kafka, made } = kafkaOfFakes();
    const { l, crashes } = listener();
    const client = new KafkajsConsumerClient(kafka, 'g', settings);
    await client.start([{ topic: 't', fromBeginning: true }], l);
    made[0].emitter.emit('crash', crash(false));
    expect(crashes).toEqual([true]);
    await jest.advanceTimersByTimeAsync(999);
    expect(made).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    await flush();
    expect(made).toHaveLength(2);
    expect(made[1].runs).toBe(1);
  });

  it('a start that fails is tried again later each time (1 s, 2 s, ...), each failed consumer disconnected', async () => {
    const { kafka, made, failConnectTimes } = kafkaOfFakes();
    const { l, crashes } = listener();
    const client = new KafkajsConsumerClient(kafka, 'g', settings);
    await client.start([{ topic: 't', fromBeginning: true }], l);
    failConnectTimes(1);
    made[0].emitter.emit('crash', crash(false));
    await jest.advanceTimersByTimeAsync(1_000);
    await flush();
    expect(made).toHaveLength(2);
    expect(made[1].disconnected).toBe(true);
    expect(crashes).toEqual([true, true]);
    await jest.advanceTimersByTimeAsync(1_999);
    expect(made).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    await flush();
    expect(made).toHaveLength(3);
    expect(made[2].runs).toBe(1);
  });

  it('is left to kafkajs when kafkajs restarts it, and not restarted once the client is stopping', async () => {
    const { kafka, made } = kafkaOfFakes();
    const { l, crashes } = listener();
    const client = new KafkajsConsumerClient(kafka, 'g', settings);
    await client.start([{ topic: 't', fromBeginning: true }], l);
    made[0].emitter.emit('crash', crash(true));
    await jest.advanceTimersByTimeAsync(5_000);
    expect(made).toHaveLength(1);

    made[0].emitter.emit('crash', crash(false));
    await client.stop();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(made).toHaveLength(1);
    expect(crashes).toEqual([true, true]);
  });
});
