/**
 * The freshness histogram of `ops.projection_freshness` (minute, projection, bucket, value_ms,
 * count): what its buckets mean, so the projections (which write it, projections/src/ops/activity.ts)
 * and the query side (which reads quantiles off it) agree. Freshness = projected time − received
 * time, in ms; `minute` is the UTC minute of the commit (minuteOf).
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
 */

/** α: the relative error of a freshness quantile read from the histogram. */
export const FRESHNESS_RELATIVE_ACCURACY = 0.02;
const GAMMA = (1 + FRESHNESS_RELATIVE_ACCURACY) / (1 - FRESHNESS_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Freshness at or above this (30 days, in ms) lands in the last bucket. */
export const FRESHNESS_MAX_MS = 30 * 24 * 3600 * 1000;
export const MAX_BUCKET = Math.ceil(Math.log(FRESHNESS_MAX_MS) / LOG_GAMMA);

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

/** One row's worth of a histogram: a bucket, its representative value (ms) and how many values fell in it. */
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

/** The start of the UTC minute of an epoch-ms time: the `minute` of projection_throughput and projection_freshness. */
export const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
