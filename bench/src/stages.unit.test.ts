/** Reading the stage histogram from /metrics text, and its quantiles as Prometheus computes them. */
import { describe, expect, test } from 'vitest';
import {
  diffHistograms,
  histogramQuantile,
  observations,
  parseStageHistograms,
  sumHistograms,
} from './stages';

const TEXT = `# HELP eventlens_event_stage_seconds Seconds from receipt to a stage.
# TYPE eventlens_event_stage_seconds histogram
eventlens_event_stage_seconds_bucket{le="0.1",stage="acknowledged",projection=""} 8
eventlens_event_stage_seconds_bucket{le="0.2",stage="acknowledged",projection=""} 10
eventlens_event_stage_seconds_bucket{le="+Inf",stage="acknowledged",projection=""} 10
eventlens_event_stage_seconds_sum{stage="acknowledged",projection=""} 0.5
eventlens_event_stage_seconds_count{stage="acknowledged",projection=""} 10
eventlens_event_stage_seconds_bucket{le="0.1",stage="committed",projection="analytics"} 0
eventlens_event_stage_seconds_bucket{le="0.2",stage="committed",projection="analytics"} 50
eventlens_event_stage_seconds_bucket{le="+Inf",stage="committed",projection="analytics"} 100
eventlens_http_request_duration_seconds_bucket{le="0.1",route="/v1/events",method="POST"} 7
`;

describe('parseStageHistograms', () => {
  test('one series per stage (and projection), other metrics ignored', () => {
    const h = parseStageHistograms(TEXT);
    expect([...h.keys()]).toEqual(['acknowledged', 'committed/analytics']);
    expect(h.get('acknowledged')).toEqual(
      new Map([
        [0.1, 8],
        [0.2, 10],
        [Infinity, 10],
      ]),
    );
    expect(observations(h.get('committed/analytics'))).toBe(100);
  });
});

describe('sum and difference', () => {
  test('processes summed, then what one run added', () => {
    const one = parseStageHistograms(TEXT);
    const both = sumHistograms([one, one]);
    expect(observations(both.get('acknowledged'))).toBe(20);
    const run = diffHistograms(both, one);
    expect(run.get('committed/analytics')).toEqual(one.get('committed/analytics'));
    expect(observations(diffHistograms(one, new Map()).get('acknowledged'))).toBe(10);
  });
});

describe('histogramQuantile', () => {
  const h = parseStageHistograms(TEXT);

  test('linear inside the bucket the rank falls in', () => {
    // 100 observations, none ≤ 0.1 s, 50 in (0.1, 0.2]: the median is the top of that bucket.
    expect(histogramQuantile(0.5, h.get('committed/analytics'))).toBeCloseTo(0.2);
    expect(histogramQuantile(0.25, h.get('committed/analytics'))).toBeCloseTo(0.15);
    // The first bucket interpolates from 0.
    expect(histogramQuantile(0.4, h.get('acknowledged'))).toBeCloseTo(0.05);
  });

  test('a rank in +Inf answers the highest finite bound; an empty series NaN', () => {
    expect(histogramQuantile(0.99, h.get('committed/analytics'))).toBe(0.2);
    expect(histogramQuantile(0.5, undefined)).toBeNaN();
    expect(histogramQuantile(0.5, new Map([[Infinity, 0]]))).toBeNaN();
  });
});
