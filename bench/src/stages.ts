/**
 * The pipeline's own per-stage latency: `eventlens_event_stage_seconds{stage,projection}` (service
 * kit), which the command side observes at `acknowledged` and the projection workers at `fetched`
 * and `committed`, each as seconds since the ingestion API received the event. The bench scrapes the
 * services' /metrics before and after a run and takes quantiles of the difference, so every event
 * of the run counts and nothing is asked of the pipeline while it runs.
 *
 * The exposition text is read here, for this one histogram: parse-prometheus-text-format, the
 * common parser, merges a histogram's labelled series into one and loses their labels.
 */

import { retry } from '@eventlens/service-kit';

/** The metric the services expose. */
export const STAGE_METRIC = 'eventlens_event_stage_seconds';

/** One series' cumulative bucket counts: upper bound in seconds (`Infinity` for `+Inf`) → count. */
export type Buckets = Map<number, number>;

/** Series by `stage` or `stage/projection` (`acknowledged`, `committed/analytics`). */
export type StageHistograms = Map<string, Buckets>;

const SERIES = new RegExp(`^${STAGE_METRIC}_bucket\\{([^}]*)\\} (\\S+)`);
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** The stage series in one /metrics text, keyed `stage` or `stage/projection`. */
export function parseStageHistograms(text: string): StageHistograms {
  const out: StageHistograms = new Map();
  for (const line of text.split('\n')) {
    const match = SERIES.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    if (!labels.le || !labels.stage) continue;
    const key = labels.projection ? `${labels.stage}/${labels.projection}` : labels.stage;
    const bound = labels.le === '+Inf' ? Infinity : Number(labels.le);
    const buckets = out.get(key) ?? new Map<number, number>();
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
    out.set(key, buckets);
  }
  return out;
}

/** Sums several services' (or processes') histograms series by series. */
export function sumHistograms(all: StageHistograms[]): StageHistograms {
  const out: StageHistograms = new Map();
  for (const histograms of all)
    for (const [key, buckets] of histograms) {
      const sum = out.get(key) ?? new Map<number, number>();
      for (const [bound, count] of buckets) sum.set(bound, (sum.get(bound) ?? 0) + count);
      out.set(key, sum);
    }
  return out;
}

/** What was observed between two scrapes: `after − before`, series by series. */
export function diffHistograms(after: StageHistograms, before: StageHistograms): StageHistograms {
  const out: StageHistograms = new Map();
  for (const [key, buckets] of after) {
    const earlier = before.get(key);
    out.set(key, new Map([...buckets].map(([bound, count]) => [bound, count - (earlier?.get(bound) ?? 0)])));
  }
  return out;
}

/** Observations in a series (its `+Inf` bucket); 0 when absent. */
export const observations = (buckets: Buckets | undefined): number => buckets?.get(Infinity) ?? 0;

/**
 * The `q` quantile (0–1) of a series, in seconds, the way Prometheus's `histogram_quantile` does
 * it: linear interpolation inside the bucket the rank falls in, from 0 for the first bucket; the
 * highest finite bound when the rank falls in `+Inf`. NaN when the series is empty. The answer is
 * as fine as the buckets (service kit's EVENT_STAGE_BUCKETS_SECONDS: 20–50 ms steps up to 300 ms).
 */
export function histogramQuantile(q: number, buckets: Buckets | undefined): number {
  const total = observations(buckets);
  if (!buckets || total <= 0) return NaN;
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Infinity) return lowerBound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / Math.max(1, count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

/** Scrapes each URL's /metrics text and sums their stage histograms; a failed scrape throws. */
export async function scrapeStages(metricsUrls: readonly string[]): Promise<StageHistograms> {
  // A few retries: a kept-alive connection the service closed as idle just as it was reused fails
  // the request ("fetch failed"); a whole bench run once stopped there.
  const texts = await Promise.all(
    metricsUrls.map((url) =>
      retry(
        async () => {
          const res = await fetch(url);
          if (!res.ok) throw new Error(`${url} answered ${res.status}`);
          return res.text();
        },
        { retries: 3, minMs: 100, maxMs: 1000 },
      ),
    ),
  );
  return sumHistograms(texts.map(parseStageHistograms));
}
