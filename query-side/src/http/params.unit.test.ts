import { describe, expect, test } from 'vitest';
import { DAY_MS, checkOpenRange, parseInstant, resolveRange } from './params';
import { bucketStarts, MAX_INTERVALS } from '../read-models/stats';

describe('parseInstant', () => {
  test.each([
    ['2025-01-02T03:04:05Z', Date.UTC(2025, 0, 2, 3, 4, 5)],
    ['2025-01-02T03:04:05.678Z', Date.UTC(2025, 0, 2, 3, 4, 5, 678)],
    ['2025-01-02T03:04:05.678901Z', Date.UTC(2025, 0, 2, 3, 4, 5, 678)],
    ['2025-01-02T05:04:05+02:00', Date.UTC(2025, 0, 2, 3, 4, 5)],
    ['2025-01-02T05:04:05+0200', Date.UTC(2025, 0, 2, 3, 4, 5)],
    ['2025-01-02T03:04Z', Date.UTC(2025, 0, 2, 3, 4)],
    ['2025-01-02', Date.UTC(2025, 0, 2)],
    ['1735787045000', 1735787045000],
  ])('%s is %d', (text, ms) => {
    expect(parseInstant(text)).toBe(ms);
  });

  test.each([
    ['2025-01-02T03:04:05', 'zone'], // local time: refused
    ['2025-02-30', 'calendar'],
    ['2025-13-01', 'calendar'],
    ['2025-01-01T24:00:00Z', 'calendar'],
    ['yesterday', 'ISO 8601'],
    ['1735787045', '2000-01-01'], // epoch seconds read as milliseconds: 1970, out of range
    ['1999-12-31T23:59:59Z', '2000-01-01'],
    ['2101-01-01', '2000-01-01'],
    ['-1', 'ISO 8601'],
    ['1e12', 'ISO 8601'],
    ['', 'ISO 8601'],
  ])('%s is refused', (text, words) => {
    const result = parseInstant(text);
    expect(typeof result).toBe('string');
    expect(result).toContain(words);
  });
});

describe('ranges', () => {
  const now = Date.UTC(2025, 5, 1, 12);

  test('stats default to the 24 hours before now', () => {
    expect(resolveRange(undefined, undefined, now)).toEqual({ from: now - DAY_MS, to: now });
    expect(resolveRange(undefined, now - 1000, now)).toEqual({ from: now - 1000 - DAY_MS, to: now - 1000 });
    expect(resolveRange(now - 5000, undefined, now)).toEqual({ from: now - 5000, to: now });
  });

  test('from must be before to', () => {
    expect(resolveRange(now, now, now)).toBe('must be earlier than to');
    expect(resolveRange(now + 1, undefined, now)).toBe('must be earlier than to');
    expect(checkOpenRange(2, 1)).toBe('must be earlier than to');
    expect(checkOpenRange(1, undefined)).toBeUndefined();
  });

  test('buckets run from the one holding from to the one holding the last instant before to', () => {
    const from = Date.UTC(2025, 0, 1, 10, 30);
    expect(bucketStarts({ from, to: Date.UTC(2025, 0, 1, 13, 0) }, 'hour')).toEqual([
      Date.UTC(2025, 0, 1, 10),
      Date.UTC(2025, 0, 1, 11),
      Date.UTC(2025, 0, 1, 12),
    ]);
    expect(bucketStarts({ from, to: Date.UTC(2025, 0, 1, 13, 0, 1) }, 'hour')).toHaveLength(4);
    expect(bucketStarts({ from, to: from + 1 }, 'day')).toEqual([Date.UTC(2025, 0, 1)]);
  });

  test('at most 7 days of minutes', () => {
    const from = Date.UTC(2025, 0, 1);
    expect(bucketStarts({ from, to: from + 7 * DAY_MS }, 'minute')).toHaveLength(MAX_INTERVALS);
    // "the last 7 days" from mid-minute: a partial first bucket, still allowed
    expect(bucketStarts({ from: from + 30_000, to: from + 30_000 + 7 * DAY_MS }, 'minute')).toHaveLength(
      MAX_INTERVALS + 1,
    );
    expect(bucketStarts({ from, to: from + 7 * DAY_MS + 1 }, 'minute')).toBeUndefined();
    expect(bucketStarts({ from, to: from + 420 * DAY_MS }, 'hour')).toHaveLength(420 * 24);
    expect(bucketStarts({ from, to: from + 421 * DAY_MS }, 'hour')).toBeUndefined();
  });
});
