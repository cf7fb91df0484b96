/**
 * Where a worker reads each of its partitions from. The PostgreSQL checkpoint is the truth
 * (invariant 2); Kafka's position only follows it:
 * - on every assignment each partition is sought to its stored checkpoint, and a partition is
 *   "positioned" only once that seek happened (a batch fetched before is dropped by the loop, which
 *   positions the partition itself);
 * - the loop reports every checkpoint it committed or found (`committed`, `skippedTo`,
 *   `seekBack`), so this module knows what this worker believes is stored;
 * - every few seconds (`startSync`) the stored checkpoints are compared with that belief, and a
 *   partition whose checkpoint went *back* (a rebuild swap, an operator's reset) is sought to it.
 *   A partition receiving records would notice in its next transaction; an idle one would not.
 */
import { describeError, type Logger } from '@eventlens/service-kit';
import type { Metrics } from '../metrics';
import { tpKey, type TopicPartition } from './checkpoints';

export interface PositioningDeps {
  /** Stored checkpoints of the given partitions (`readCheckpoints` over the worker's schema). */
  read(partitions: readonly TopicPartition[]): Promise<Map<string, number>>;
  /** Moves the consumer's fetch position of a partition to `offset`. */
  seek(tp: TopicPartition, offset: number): void;
  metrics: Pick<Metrics, 'repositions'>;
  /** The worker's name, the `worker` label of the metrics. */
  worker: string;
  logger: Logger;
  /** `setInterval`/`clearInterval` unless a test passes its own. */
  every?: (ms: number, fn: () => void) => () => void;
}

export interface Positioning {
  /** A new assignment: forget every position, then seek each partition to its checkpoint. */
  assign(partitions: readonly TopicPartition[]): Promise<void>;
  assigned(): TopicPartition[];
  /** Whether the partition was sought to its checkpoint since the last assignment. */
  isPositioned(tp: TopicPartition): boolean;
  /** Seeks the partitions to their stored checkpoints (none stored: offset 0). */
  position(partitions: readonly TopicPartition[]): Promise<void>;
  /** A batch of the partition committed: its checkpoint is now `next`. */
  committed(tp: TopicPartition, next: number): void;
  /**
   * A batch lay wholly below the checkpoint (`next`): skip to it when it is beyond the fetched
   * records (`fetchedUpTo`, the offset after the batch's last record).
   */
  skippedTo(tp: TopicPartition, next: number, fetchedUpTo: number): void;
  /** The batch was fetched from beyond the stored checkpoint: seek back to it. */
  seekBack(tp: TopicPartition, checkpoint: number, fetched: number): void;
  /** One comparison of the stored checkpoints with what this worker last committed. */
  sync(): Promise<void>;
  /** Runs `sync` every `intervalMs`, one at a time. */
  startSync(intervalMs: number): void;
  stopSync(): void;
}

export function createPositioning(deps: PositioningDeps): Positioning {
  const { metrics, worker, logger } = deps;
  const every = deps.every ?? defaultEvery;
  let assigned: TopicPartition[] = [];
  /** Partitions sought to their checkpoint since the last assignment. */
  const positioned = new Set<string>();
  /** The checkpoint this worker believes is stored, per positioned partition. */
  const known = new Map<string, number>();
  let cancelSync: (() => void) | undefined;
  let syncing = false;

  function seek(tp: TopicPartition, offset: number): void {
    deps.seek(tp, offset);
    known.set(tpKey(tp), offset);
  }

  async function position(partitions: readonly TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    const checkpoints = await deps.read(partitions);
    for (const tp of partitions) {
      // No checkpoint: from the start of the log (kafkajs moves an out-of-range 0 to the earliest).
      seek(tp, checkpoints.get(tpKey(tp)) ?? 0);
      positioned.add(tpKey(tp));
    }
  }

  async function sync(): Promise<void> {
    const partitions = assigned.filter((tp) => known.has(tpKey(tp)));
    if (partitions.length === 0) return;
    const before = new Map(partitions.map((tp) => [tpKey(tp), known.get(tpKey(tp))]));
    const stored = await deps.read(partitions);
    for (const tp of partitions) {
      const key = tpKey(tp);
      const expected = before.get(key);
      // A batch of this partition committed while we were reading: the next round will tell.
      if (known.get(key) !== expected) continue;
      // Only a checkpoint that moved *back* needs a seek (records would be missing); one that moved
      // forward is handled by the skip-below-checkpoint rule, and may just be our own commit.
      const checkpoint = stored.get(key) ?? 0;
      if (expected === undefined || checkpoint >= expected) continue;
      metrics.repositions.inc({ worker });
      logger.info('the stored checkpoint went back under this worker (a rebuild swap?): seeking to it', {
        topic: tp.topic,
        partition: tp.partition,
        expected,
        checkpoint,
      });
      seek(tp, checkpoint);
    }
  }

  return {
    assign(partitions) {
      positioned.clear();
      known.clear();
      assigned = [...partitions];
      return position(assigned);
    },
    assigned: () => assigned,
    isPositioned: (tp) => positioned.has(tpKey(tp)),
    position,
    committed(tp, next) {
      known.set(tpKey(tp), next);
    },
    skippedTo(tp, next, fetchedUpTo) {
      if (next > fetchedUpTo) deps.seek(tp, next);
      known.set(tpKey(tp), next);
    },
    seekBack(tp, checkpoint, fetched) {
      metrics.repositions.inc({ worker });
      logger.info('fetch position is ahead of the checkpoint: seeking back', {
        topic: tp.topic,
        partition: tp.partition,
        fetched,
        checkpoint,
      });
      seek(tp, checkpoint);
    },
    sync,
    startSync(intervalMs) {
      cancelSync?.();
      cancelSync = every(intervalMs, () => {
        if (syncing) return;
        syncing = true;
        sync()
          .catch((error: unknown) =>
            logger.debug('comparing checkpoints failed', { error: describeError(error) }),
          )
          .finally(() => {
            syncing = false;
          });
      });
    },
    stopSync() {
      cancelSync?.();
      cancelSync = undefined;
    },
  };
}

function defaultEvery(ms: number, fn: () => void): () => void {
  const timer = setInterval(fn, ms);
  return () => clearInterval(timer);
}
