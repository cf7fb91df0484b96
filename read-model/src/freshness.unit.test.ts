/**
 * The freshness histogram: every value lands in a bucket whose value is within 2 % of it, and a
 * quantile read from merged histograms is within max(2 %, 1 ms) of the exact nearest-rank
 * quantile of the raw values.
 */
import { describe, expect, test } from 'vitest';
import {
  FRESHNESS_MAX_MS,
  FRESHNESS_RELATIVE_ACCURACY,
  MAX_BUCKET,
  bucketValue,
  freshnessBucket,
  freshnessHistogram,
  histogramQuantile,
  minuteOf,
  type FreshnessBucket,
} from './freshness';

/** A small deterministic generator (mulberry32): the same samples on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

function merge(...histograms: FreshnessBucket[][]): FreshnessBucket[] {
  const byBucket = new Map<number, FreshnessBucket>();
  for (const b of histograms.flat()) {
    const known = byBucket.get(b.bucket);
    byBucket.set(b.bucket, known ? { ...known, count: known.count + b.count } : { ...b });
  }
  return [...byBucket.values()].sort((a, b) => a.bucket - b.bucket);
}

const within = (estimate: number, truth: number) =>
  Math.abs(estimate - truth) <= Math.max(FRESHNESS_RELATIVE_ACCURACY * Math.abs(truth), 1) + 1e-9;

describe('freshness buckets', () => {
  test('every value from 1 ms to 30 days is represented within 2 %', () => {
    const next = random(1);
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.exp(next() * Math.log(FRESHNESS_MAX_MS));
      const value = bucketValue(freshnessBucket(ms));
      expect(Math.abs(value - ms) / ms).toBeLessThanOrEqual(FRESHNESS_RELATIVE_ACCURACY + 1e-12);
    }
  });

  test('the mapping keeps order, and the edges hold what they say', () => {
    expect(freshnessBucket(-5000)).toBe(0); // clock skew: the worker's clock behind the ingestion API's
    expect(freshnessBucket(0)).toBe(0);
    expect(freshnessBucket(1)).toBe(0);
    expect(freshnessBucket(Number.NaN)).toBe(0);
    expect(freshnessBucket(1.01)).toBe(1);
    expect(freshnessBucket(FRESHNESS_MAX_MS * 10)).toBe(MAX_BUCKET);
    let previous = 0;
    for (let ms = 0; ms < 100_000; ms += 7) {
      const bucket = freshnessBucket(ms);
      expect(bucket).toBeGreaterThanOrEqual(previous);
      previous = bucket;
    }
    // A few hundred buckets cover 1 ms to 30 days: a minute's histogram stays small.
    expect(MAX_BUCKET).toBeLessThan(600);
  });
});

describe('histograms and their quantiles', () => {
  test('counts each value once, in buckets sorted ascending', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 30);
    const histogram = freshnessHistogram([now - 100, now - 100, now - 5000, now + 20, now - 101], now);
    expect(histogram.reduce((sum, b) => sum + b.count, 0)).toBe(5);
    expect(histogram.map((b) => b.bucket)).toEqual([...histogram.map((b) => b.bucket)].sort((a, b) => a - b));
    expect(histogram[0]).toMatchObject({ bucket: 0, count: 1 });
    expect(histogram.find((b) => b.bucket === freshnessBucket(100))?.count).toBe(3); // 100 and 101 share it
    expect(histogramQuantile([], 0.5)).toBeNull();
  });

  test('p50 and p99 of merged minutes are within max(2 %, 1 ms) of the exact ones', () => {
    const next = random(7);
    const now = 1_800_000_000_000;
    // Three "minutes" with different shapes: fast, slow with a tail, and a burst after an outage.
    const minutes = [
      Array.from({ length: 3000 }, () => 5 + next() * 200),
      Array.from({ length: 1500 }, () => 50 + -Math.log(1 - next()) * 800),
      Array.from({ length: 400 }, () => 30_000 + next() * 90_000),
    ];
    const all = minutes.flat();
    const merged = merge(
      ...minutes.map((values) =>
        freshnessHistogram(
          values.map((v) => now - v),
          now,
        ),
      ),
    );
    for (const q of [0.01, 0.5, 0.9, 0.99, 0.999, 1]) {
      const estimate = histogramQuantile(merged, q)!;
      const truth = exactQuantile(all, q);
      expect(within(estimate, truth), `q=${q}: ${estimate} vs ${truth}`).toBe(true);
    }
  });

  test('sub-millisecond and skewed values answer within 1 ms', () => {
    const now = 1_800_000_000_000;
    const values = [-3, 0, 0.2, 0.9, 1];
    const histogram = freshnessHistogram(
      values.map((v) => now - v),
      now,
    );
    expect(within(histogramQuantile(histogram, 0.5)!, exactQuantile(values, 0.5))).toBe(true);
  });

  test('minutes are UTC minute starts', () => {
    expect(minuteOf(Date.UTC(2026, 0, 1, 12, 34, 56, 789))).toBe(Date.UTC(2026, 0, 1, 12, 34));
    expect(minuteOf(Date.UTC(2026, 0, 1, 12, 34))).toBe(Date.UTC(2026, 0, 1, 12, 34));
  });
});
