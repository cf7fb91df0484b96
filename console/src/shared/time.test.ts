import { describe, expect, test } from 'vitest';
import {
  formatBucket,
  formatDateTime,
  fromInputValue,
  intervalFor,
  isInThePast,
  resolveRange,
  toInputValue,
  zoneOffset,
} from './time';
import { tokenizeJson } from './json';

const T = Date.UTC(2025, 2, 30, 0, 30, 0); // 30 March 2025, 00:30 UTC: Paris switches to summer time at 01:00 UTC

describe('time', () => {
  test('presets end now; past custom ranges are recognised once their last minute is over', () => {
    expect(resolveRange({ kind: 'preset', preset: '30m' }, T)).toEqual({ from: T - 1_800_000, to: T });
    expect(isInThePast({ kind: 'custom', from: 1, to: T - 60_000 }, T)).toBe(true);
    // "To" names the minute starting at T - 30 s: it runs until T + 30 s.
    expect(isInThePast({ kind: 'custom', from: 1, to: T - 30_000 }, T)).toBe(false);
    expect(isInThePast({ kind: 'custom', from: 1, to: T }, T)).toBe(false);
    expect(isInThePast({ kind: 'preset', preset: '7d' }, T)).toBe(false);
  });

  test('a custom range takes in the whole minute its "To" names: to 23:59 is the whole day', () => {
    const from = Date.UTC(2025, 2, 1, 0, 0);
    const to = Date.UTC(2025, 2, 2, 23, 59);
    const range = resolveRange({ kind: 'custom', from, to }, T);
    // Both ends included, as the Stats API's date_range: up to 1 ms before the next day.
    expect(range).toEqual({ from, to: Date.UTC(2025, 2, 3) - 1 });
    // Two whole days, 2,880 minutes (not 2,879), and its previous period the two days before.
    expect(range.to + 1 - range.from).toBe(2 * 86_400_000);
    // In a zone too: 00:00 to 23:59 in Kolkata is that local day, whole.
    const kFrom = fromInputValue('2025-03-01T00:00', 'Asia/Kolkata')!;
    const kTo = fromInputValue('2025-03-01T23:59', 'Asia/Kolkata')!;
    const day = resolveRange({ kind: 'custom', from: kFrom, to: kTo }, T);
    expect(formatDateTime(day.to, 'Asia/Kolkata', true)).toBe('2025-03-01 23:59:59.999');
    expect(day.to + 1 - day.from).toBe(86_400_000);
  });

  test('interval by range: minutes to 3 h, hours to 7 d, days beyond', () => {
    const span = (ms: number) => intervalFor({ from: 0, to: ms });
    expect([
      span(1_800_000),
      span(3 * 3_600_000),
      span(86_400_000),
      span(7 * 86_400_000),
      span(30 * 86_400_000),
    ]).toEqual(['minute', 'minute', 'hour', 'hour', 'day']);
  });

  test('formats in the chosen zone', () => {
    expect(formatDateTime(T, 'UTC')).toBe('2025-03-30 00:30:00');
    expect(formatDateTime(T, 'Europe/Paris')).toBe('2025-03-30 01:30:00');
    expect(formatDateTime(T + 7, 'UTC', true)).toBe('2025-03-30 00:30:00.007');
    expect(formatBucket(T, 'minute', 'Asia/Tokyo')).toBe('09:30');
    expect(formatBucket(T, 'day', 'UTC')).toBe('2025-03-30');
  });

  test('datetime-local values round-trip through a zone, across a DST change', () => {
    expect(zoneOffset(T, 'Europe/Paris')).toBe(3_600_000);
    expect(zoneOffset(T + 3_600_000, 'Europe/Paris')).toBe(7_200_000);
    expect(fromInputValue('2025-03-30T03:30', 'Europe/Paris')).toBe(Date.UTC(2025, 2, 30, 1, 30));
    expect(fromInputValue('2025-03-30T01:30', 'Europe/Paris')).toBe(T);
    expect(toInputValue(T, 'Asia/Tokyo')).toBe('2025-03-30T09:30');
    expect(fromInputValue('nonsense', 'UTC')).toBeUndefined();
  });
});

describe('json tokens', () => {
  test('reassemble to the exact pretty-printed JSON, markup included as text', () => {
    const value = { a: '<img src=x onerror=alert(1)>', 'k"ey': [1, -2.5e3, true, null], n: { x: 'y:z' } };
    const tokens = tokenizeJson(value);
    expect(tokens.map((t) => t.text).join('')).toBe(JSON.stringify(value, null, 2));
    expect(tokens.filter((t) => t.kind === 'key').map((t) => t.text)).toEqual([
      '"a"',
      '"k\\"ey"',
      '"n"',
      '"x"',
    ]);
  });
});
