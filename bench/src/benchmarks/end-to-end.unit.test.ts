/** A sweep step passes only when both the services' and the sender's ends stay within 1 s. */
import { describe, expect, test } from 'vitest';
import type { LoadResult } from '../load/run';
import { passes } from './end-to-end';

const run = (over: {
  ack?: number;
  seen?: number;
  committed?: number;
  refused?: number;
  achieved?: number;
}): LoadResult => ({
  rate: 1000,
  batchSize: 1,
  send: {
    accepted: 1000,
    refused: over.refused ? { '429': over.refused } : ({} as Record<string, number>),
    networkErrors: 0,
    achievedRate: over.achieved ?? 1000,
    cpuShare: 0.2,
  },
  ack: { p50: 5, p99: over.ack ?? 40 },
  stages: {
    acknowledged: { p50: 5, p99: 30, events: 1000 },
    fetched: { p50: 50, p99: 90, events: 1000 },
    committed: { p50: 90, p99: over.committed ?? 200, events: 1000 },
  },
  visible: { p50: 100, p99: over.seen ?? 220, sampled: 10, seen: 10 },
});

describe('passes', () => {
  test('everything within 1 s, nothing refused, the rate kept', () => {
    expect(passes(run({}))).toBe(true);
    expect(passes(run({ ack: 1000, seen: 1000, committed: 1000 }))).toBe(true);
  });

  test("a queue before the service stamps receipt fails it, though the services' own stages are fast", () => {
    expect(passes(run({ ack: 5_000 }))).toBe(false);
    expect(passes(run({ seen: 5_000 }))).toBe(false);
  });

  test('slow commits, refusals or a rate the sender could not keep fail it', () => {
    expect(passes(run({ committed: 1_001 }))).toBe(false);
    expect(passes(run({ refused: 1 }))).toBe(false);
    expect(passes(run({ achieved: 940 }))).toBe(false);
  });
});
