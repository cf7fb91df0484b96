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
 * The histogram is DDSketch's logarithmic mapping (Masson, Rim and Lee, "DDSketch: a fast and
 * fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019): with relative
 * accuracy α = FRESHNESS_RELATIVE_ACCURACY (2 %) and γ = (1 + α) / (1 − α), bucket i ≥ 1 holds
 * the values in (γ^(i−1), γ^i] ms and is represented by 2γ^i / (γ + 1), which is within α of every
 * value in it. Bucket 0 holds everything up to 1 ms (negative freshness from clock skew between the
 * ingestion API and the workers included); the last bucket everything from 30 days up. Buckets are
 * fixed, so histograms of any minutes and workers merge by adding counts, and since the mapping
 * keeps order, the nearest-rank quantile of the merged histogram (the bucket holding the
 * ⌈q·n⌉-th smallest value) is the true nearest-rank quantile of the raw values within
 * max(2 % of it, 1 ms) — up to 30 days; beyond, it is reported as 30 days.
 *
 * Old minutes are pruned by the ops status refresher (`pruneActivity`) after
 * ACTIVITY_RETENTION_MINUTES (24 h): one range delete on the primary key's leading column.
 */
import { ident, type Queryable } from '../db';

/** α: the relative error of a freshness quantile read from the histogram. */
export const FRESHNESS_RELATIVE_ACCURACY = 0.02;
const GAMMA = (1 + FRESHNESS_RELATIVE_ACCURACY) / (1 - FRESHNESS_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Freshness at or above this (30 days, in ms) lands in the last bucket. */
export const FRESHNESS_MAX_MS = 30 * 24 * 3600 * 1000;
export const MAX_BUCKET = Math.ceil(Math.log(FRESHNESS_MAX_MS) / LOG_GAMMA);
/** How long minutes are kept: the query side's longest window. */
export const ACTIVITY_RETENTION_MINUTES = 24 * 60;

const MINUTE_MS = 60_000;

/** The bucket of a freshness in ms: 0 up to 1 ms (and for negative or NaN values), MAX_BUCKET at the top. */
export function freshnessBucket(ms: number): number {
  if (!(ms > 1)) return 0;
  return Math.min(MAX_BUCKET, Math.ceil(Math.log(ms) / LOG_GAMMA));
}

/** The freshness (ms) a bucket stands for: 2γ^i / (γ + 1), within α of every value in the bucket. */
export function bucketValue(bucket: number): number {
  return (2 * GAMMA ** bucket) / (GAMMA + 1);
}

export interface FreshnessBucket {
  bucket: number;
  value_ms: number;
  count: number;
}

/** Pure: the histogram of `now − receivedAt` over the given received times (epoch ms), by bucket. */
export function freshnessHistogram(receivedAts: readonly number[], now: number): FreshnessBucket[] {
  const counts = new Map<number, number>();
  for (const receivedAt of receivedAts) {
    const bucket = freshnessBucket(now - receivedAt);
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucket, count]) => ({ bucket, value_ms: bucketValue(bucket), count }));
}

/**
 * Pure: the nearest-rank q-quantile (0 < q ≤ 1) of a histogram sorted by bucket — the value of
 * the bucket holding the ⌈q·n⌉-th smallest sample — or null when it is empty. The query side
 * runs the same rule in SQL over the merged minutes.
 */
export function histogramQuantile(histogram: readonly FreshnessBucket[], q: number): number | null {
  const total = histogram.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const b of histogram) {
    seen += b.count;
    if (seen >= rank) return b.value_ms;
  }
  return histogram[histogram.length - 1]!.value_ms;
}

export const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

export interface BatchActivity {
  /** Name in ops (the worker's statusProjection). */
  projection: string;
  /** Rows that changed the read model. */
  applied: number;
  /** Received times (epoch ms) of the rows the projection took. */
  receivedAts: readonly number[];
  /** Projected time, epoch ms. */
  now: number;
}

/** Adds a batch's throughput and freshness to its minute, in the caller's (the batch's) transaction. */
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
