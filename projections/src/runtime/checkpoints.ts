/**
 * Checkpoints: `<schema>.checkpoints` (topic, partition, next_offset), the truth about how far a
 * projection has applied each partition. Kafka's committed offsets are only a hint for tools.
 */
import { ident, type Queryable } from '../db';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Checkpoints of the given partitions, without locking (to seek on assignment). */
export async function readCheckpoints(
  db: Queryable,
  schema: string,
  partitions: readonly TopicPartition[],
): Promise<Map<string, number>> {
  const result = await db.query<{ topic: string; partition: number; next_offset: string }>(
    `select topic, partition, next_offset from ${ident(schema)}.checkpoints
      where (topic, partition) in (select * from unnest($1::text[], $2::int[]))`,
    [partitions.map((p) => p.topic), partitions.map((p) => p.partition)],
  );
  return new Map(result.rows.map((row) => [tpKey(row), Number(row.next_offset)]));
}

/**
 * Locks a partition's checkpoint row for the rest of the transaction and returns it (creating it
 * at 0 the first time). Two workers that both believe they own a partition (a zombie during a
 * rebalance, a live worker during a rebuild swap) serialise here, and the second one sees what
 * the first committed.
 */
export async function lockCheckpoint(
  db: Queryable,
  schema: string,
  tp: TopicPartition,
  counted?: { opsSchema: string; projection: string },
): Promise<{ checkpoint: number; counted: number }> {
  const s = ident(schema);
  // The ops mark of the partition (ops/activity.ts, `counted_through`) comes in the same round trip:
  // this runs once per batch. The subquery's row is read, not locked.
  const mark = counted
    ? `(select next_offset from ${ident(counted.opsSchema)}.counted_through
         where projection = $3 and topic = $1 and partition = $2)`
    : 'null::bigint';
  const select = `select next_offset, ${mark} as counted from ${s}.checkpoints
                   where topic = $1 and partition = $2 for update`;
  const values = counted ? [tp.topic, tp.partition, counted.projection] : [tp.topic, tp.partition];
  let result = await db.query<{ next_offset: string; counted: string | null }>(select, values);
  if (result.rows.length === 0) {
    await db.query(
      `insert into ${s}.checkpoints (topic, partition, next_offset) values ($1, $2, 0) on conflict do nothing`,
      [tp.topic, tp.partition],
    );
    result = await db.query<{ next_offset: string; counted: string | null }>(select, values);
  }
  const row = result.rows[0]!;
  return { checkpoint: Number(row.next_offset), counted: Number(row.counted ?? 0) };
}

export interface Progress {
  next: number;
  highWatermark: number;
  /** Name in ops.projection_status / ops.failure_counts; null to write neither. */
  statusProjection: string | null;
  opsSchema: string;
  retried: number;
}

/** Moves the checkpoint and the ops status of a partition, in the batch's transaction. */
export async function saveProgress(
  db: Queryable,
  schema: string,
  tp: TopicPartition,
  progress: Progress,
): Promise<void> {
  const s = ident(schema);
  if (progress.statusProjection === null) {
    await db.query(
      `update ${s}.checkpoints set next_offset = $3, updated_at = now() where topic = $1 and partition = $2`,
      [tp.topic, tp.partition, progress.next],
    );
    return;
  }
  const ops = ident(progress.opsSchema);
  await db.query(
    `with checkpoint as (
       update ${s}.checkpoints set next_offset = $3, updated_at = now() where topic = $1 and partition = $2
     ), failures as (
       insert into ${ops}.failure_counts as f (projection, stage, count)
       select $4, 'retry', $6::bigint where $6::bigint > 0
       on conflict (projection, stage) do update set count = f.count + excluded.count
     )
     insert into ${ops}.projection_status as p
       (projection, topic, partition, next_offset, high_watermark, last_processed_at, updated_at)
     values ($4, $1, $2, $3, $5, clock_timestamp(), clock_timestamp())
     on conflict (projection, topic, partition) do update set
       next_offset = excluded.next_offset,
       high_watermark = excluded.high_watermark,
       last_processed_at = excluded.last_processed_at,
       updated_at = excluded.updated_at`,
    [
      tp.topic,
      tp.partition,
      progress.next,
      progress.statusProjection,
      Math.max(progress.highWatermark, progress.next),
      progress.retried,
    ],
  );
}

export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}
