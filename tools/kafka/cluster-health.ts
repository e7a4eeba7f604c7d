/**
 * Questions about a running cluster as a whole: which node leads the KRaft quorum (the active
 * controller), and which partitions are under-replicated (fewer in sync than replicas).
 */
import { probeAdmin } from './broker-readiness';
import { runKafkaTool } from './kafka-tool';

export interface UnderReplicatedPartition {
  topic: string;
  partition: number;
  replicas: number[];
  isr: number[];
}

/**
 * The leader of the KRaft quorum, from Kafka's own MetadataQuorumCommand (DescribeQuorum, which
 * kafkajs does not speak), asked through the answering nodes `bootstrap`; undefined while there
 * is none (an election) or nobody answers.
 */
export async function quorumLeader(
  version: string,
  bootstrap: string[],
): Promise<number | undefined> {
  if (bootstrap.length === 0) return undefined;
  try {
    const out = await runKafkaTool(
      version,
      'org.apache.kafka.tools.MetadataQuorumCommand',
      ['--bootstrap-server', bootstrap.join(','), 'describe', '--status'],
      30_000,
    );
    const leader = Number(/^LeaderId:\s+(-?\d+)/m.exec(out)?.[1] ?? -1);
    return leader >= 0 ? leader : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The partitions of every topic, internal ones included, whose ISR is smaller than their replica
 * set, as the first of the answering nodes `candidates` that answers sees them.
 */
export async function underReplicatedPartitions(
  candidates: string[],
): Promise<UnderReplicatedPartition[]> {
  for (const brokers of candidates) {
    const admin = probeAdmin(brokers);
    try {
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata(); // no topics named: all of them
      return topics
        .flatMap(({ name, partitions }) =>
          partitions
            .filter((p) => p.isr.length < p.replicas.length)
            .map((p) => ({
              topic: name,
              partition: p.partitionId,
              replicas: [...p.replicas].sort((a, b) => a - b),
              isr: [...p.isr].sort((a, b) => a - b),
            })),
        )
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    } catch {
      // that node did not answer in time: ask the next
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  return [];
}
