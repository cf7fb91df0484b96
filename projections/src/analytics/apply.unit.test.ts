/**
 * The COPY text of a timestamp (apply.ts `copyTime`): the text up to the minute is memoised, the
 * rest worked out per timestamp; it must be `toISOString`'s text for every millisecond in range.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../testing/traffic';
import { copyTime } from './apply';

/** The range rows.ts lets through: years 1000 to 9999. */
const MIN = Date.UTC(1000, 0, 1);
const MAX = Date.UTC(10000, 0, 1) - 1;

describe('copyTime', () => {
  it('writes null as COPY’s null', () => {
    expect(copyTime(null)).toBe('\\N');
  });

  it('is toISOString at the ends of the range, around the epoch and at minute and second edges', () => {
    const edges = [MIN, MAX, -60_001, -60_000, -1_001, -1_000, -1, 0, 1, 999, 1_000, 59_999, 60_000];
    const midnight = Date.UTC(2026, 0, 1);
    const near = [-1, 0, 9, 10, 99, 100, 9_999, 10_000].map((d) => midnight + d);
    for (const ms of [...edges, ...near]) expect(copyTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('is toISOString for timestamps drawn across the range, repeated minutes included', () => {
    const random = mulberry32(7);
    const drawn = Array.from({ length: 5_000 }, () => MIN + Math.floor(random() * (MAX - MIN)));
    // A batch's timestamps share their minutes: the memoised text is taken again.
    const batch = Array.from({ length: 2_000 }, (_, i) => Date.UTC(2026, 5, 30, 23, 59) + i * 61);
    for (const ms of [...drawn, ...batch, ...batch]) expect(copyTime(ms)).toBe(new Date(ms).toISOString());
  });
});
