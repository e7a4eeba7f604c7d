/** A point-in-time view of one partition a consumer owns: what metrics and health read. */
export interface PartitionStatus {
  topic: string;
  partition: number;
  /** Next offset the group will start from (the last committed offset), or null before any commit. */
  committedOffset: string | null;
  /** End of the partition as of the last fetch. */
  highWatermark: string | null;
  /** Records between the committed offset and the end of the partition. */
  lag: number | null;
  /** Records started and not finished. */
  inFlight: number;
  /** Paused for a back-off (retry, database or dead-letter outage). */
  paused: boolean;
  /** Deliveries of the head record so far when it is being retried, else 0. */
  headDeliveries: number;
  /** Epoch ms of the last finished record (or of the assignment when none finished yet). */
  lastProgressAt: number;
  /**
   * Epoch ms since which a finished offset has waited to be committed (its commits failing or not
   * answered), or null when the last commit succeeded.
   */
  commitWaitingSince: number | null;
}

export interface GroupStatus {
  groupId: string;
  topics: string[];
  /** Connected, joined and fetching. */
  running: boolean;
  /** The last crash of the kafkajs consumer, if it crashed (it restarts on retriable crashes). */
  lastCrash?: { at: number; error: string; restarting: boolean };
  partitions: PartitionStatus[];
}

export interface ConsumersStatus {
  started: boolean;
  groups: GroupStatus[];
}
