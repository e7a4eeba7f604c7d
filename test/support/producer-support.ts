import { Kafka, logLevel } from 'kafkajs';
import { decodeHeaders, type ReadRecord, sleep, uniqueName } from './kafka';

/** Like readAll, against a broker given by address (e.g. a test's own broker). */
export async function readAllFrom(brokers: string, topic: string, expected: number, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const consumer = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).consumer({
    groupId: uniqueName('reader'),
    maxWaitTimeInMs: 200,
  });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.push({ partition, offset: message.offset, key: message.key, value: message.value, headers: decodeHeaders(message.headers) });
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (records.length < expected && Date.now() < deadline) await sleep(100);
    await sleep(500);
    return records;
  } finally {
    await consumer.disconnect();
  }
}
