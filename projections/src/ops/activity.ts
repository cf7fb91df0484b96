/**
 * Per projection and minute, what the workers applied and how fresh it was, kept in the ops schema
 * so the query side can answer "how late is the pipeline" without Prometheus:
 *
 * - `ops.projection_throughput (minute, projection, applied)`: rows that changed the read model
 *   (duplicates by event id excluded), per UTC minute of the commit.
 * - `ops.projection_freshness (minute, projection, bucket, value_ms, count)`: a histogram of
 *   freshness = projected time − received time (ms) over the rows handed to the projection and
 *   not refused by it (duplicates included: they went through the pipeline too). The received time
 *   is the event's `received_at` when the projection knows one (`Projection.receivedAtOf`), else
 *   the record's Kafka timestamp (when it was appended); projected time is the worker's clock just
 *   before the batch commits.
 *
 * Both are written by `recordActivity` in the batch's own transaction, beside the checkpoint: a
 * batch that rolls back (crash, rebalance, transient failure) counts nothing and is counted when it
 * is applied again, so the figures are exact for every minute that is kept. A rebuild's worker
 * writes under its own name (`analytics:rebuild`), never under the live projection's.
 *
 * A record is counted once per name however often it is applied: `counted_through` holds, per name
 * and partition, the offset below which records are counted already (read with the checkpoint,
 * runtime/checkpoints.ts `lockCheckpoint`; the batch's `recordActivity` moves it), and a batch
 * counts only its records at or above it. A rebuild's swap puts in checkpoints that may trail the
 * live worker's, which then applies those records again.
 *
 * The histogram's buckets (DDSketch's logarithmic mapping, relative accuracy 2 %) are defined in
 * `@eventlens/read-model` (freshness.ts), which the query side reads quantiles with.
 *
 * Old minutes are pruned by the ops status refresher (`pruneActivity`) after
 * ACTIVITY_RETENTION_MINUTES (24 h): one range delete on the primary key's leading column.
 */
import { freshnessHistogram, minuteOf } from '@eventlens/read-model';
import { ident, type Queryable } from '../db';

/** How long minutes are kept: the query side's longest window. */
export const ACTIVITY_RETENTION_MINUTES = 24 * 60;

export interface BatchActivity {
  /** Name in ops (the worker's statusProjection). */
  projection: string;
  /** Rows that changed the read model. */
  applied: number;
  /** Received times (epoch ms) of the rows the projection took. */
  receivedAts: readonly number[];
  /** Projected time, epoch ms. */
  now: number;
  /** The batch's partition and the offset after its last record: `counted_through` moves up to it. */
  counted?: { topic: string; partition: number; next: number };
}

/**
 * Adds a batch's throughput and freshness to its minute, and moves its partition's `counted_through`
 * mark, in the caller's (the batch's) transaction and in one statement. A batch that counts nothing
 * writes nothing: its mark need not move, since none of its records is counted.
 */
export async function recordActivity(db: Queryable, opsSchema: string, batch: BatchActivity): Promise<void> {
  if (batch.applied === 0 && batch.receivedAts.length === 0) return;
  const ops = ident(opsSchema);
  const histogram = freshnessHistogram(batch.receivedAts, batch.now);
  // Buckets in order, so concurrent batches of one projection lock the shared rows in one order.
  await db.query(
    `with throughput as (
       insert into ${ops}.projection_throughput as t (minute, projection, applied)
       select to_timestamp($1::bigint / 1000.0), $2, $3::bigint where $3::bigint > 0
       on conflict (minute, projection) do update set applied = t.applied + excluded.applied
     ), mark as (
       insert into ${ops}.counted_through as c (projection, topic, partition, next_offset)
       select $2, $7::text, $8::int, $9::bigint where $9::bigint is not null
       on conflict (projection, topic, partition)
       do update set next_offset = greatest(c.next_offset, excluded.next_offset)
     )
     insert into ${ops}.projection_freshness as f (minute, projection, bucket, value_ms, count)
     select to_timestamp($1::bigint / 1000.0), $2, x.bucket, x.value_ms, x.count
       from unnest($4::smallint[], $5::float8[], $6::bigint[]) as x(bucket, value_ms, count)
      order by x.bucket
     on conflict (minute, projection, bucket) do update set count = f.count + excluded.count`,
    [
      minuteOf(batch.now),
      batch.projection,
      batch.applied,
      histogram.map((b) => b.bucket),
      histogram.map((b) => b.value_ms),
      histogram.map((b) => b.count),
      batch.counted?.topic ?? null,
      batch.counted?.partition ?? null,
      batch.counted?.next ?? null,
    ],
  );
}

/** Deletes the minutes older than the retention (run now and then, outside any batch). Returns rows deleted. */
export async function pruneActivity(
  db: Queryable,
  opsSchema: string,
  retentionMinutes: number = ACTIVITY_RETENTION_MINUTES,
): Promise<number> {
  const ops = ident(opsSchema);
  const cutoff = `now() - make_interval(mins => $1::int)`;
  const result = await db.query<{ n: string }>(
    `with t as (delete from ${ops}.projection_throughput where minute < ${cutoff} returning 1),
          f as (delete from ${ops}.projection_freshness where minute < ${cutoff} returning 1)
     select (select count(*) from t) + (select count(*) from f) as n`,
    [retentionMinutes],
  );
  return Number(result.rows[0]?.n ?? 0);
}
