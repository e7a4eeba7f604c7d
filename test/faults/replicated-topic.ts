/** A topic on the suite's cluster as the cluster scenarios want it, and the wait for its replicas. */
import type { Kafka } from 'kafkajs';
import { partitionLeaders } from './cluster-faults';
import { withAdmin } from './fault-kafka';
import { sleep } from './sleep';
import { KafkajsAdminClient } from '../../libs/reliable-kafka/src/kafka/kafkajs/kafkajs-admin-client';
import { waitForLeaders } from '../../libs/reliable-kafka/src/kafka/wait-for-leaders';

/** RF 3, min.insync.replicas 2, no unclean leader election: what the guarantee rests on. */
export async function createReplicatedTopics(
  kafka: Kafka,
  topics: string[],
  partitions: number,
): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    await admin.createTopics({
      topics: topics.map((topic) => ({
        topic,
        numPartitions: partitions,
        replicationFactor: 3,
        configEntries: [
          { name: 'min.insync.replicas', value: '2' },
          { name: 'unclean.leader.election.enable', value: 'false' },
        ],
      })),
    });
    await waitForLeaders(new KafkajsAdminClient(admin), topics);
  });
}

/** Waits until every partition of `topic` has its three replicas in sync. */
export async function waitUntilReplicated(kafka: Kafka, topic: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const state = await partitionLeaders(kafka, [topic]).catch(() => undefined);
    if (state && state[0].underReplicated === 0) return;
    if (Date.now() > until) throw new Error(`${topic}: replicas not in sync within ${ms} ms`);
    await sleep(250);
  }
}

/** The leader of partition 0 of `topic`, and the other nodes. */
export async function leaderAndFollowers(
  kafka: Kafka,
  topic: string,
  nodeIds: number[],
): Promise<{ leader: number; followers: number[] }> {
  const leader = (await partitionLeaders(kafka, [topic]))[0].leaders.get(0)!;
  return { leader, followers: nodeIds.filter((id) => id !== leader) };
}
