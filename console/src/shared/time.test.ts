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
  test('presets end now; custom ranges are as given; past custom ranges are recognised', () => {
    expect(resolveRange({ kind: 'preset', preset: '30m' }, T)).toEqual({ from: T - 1_800_000, to: T });
    expect(isInThePast({ kind: 'custom', from: 1, to: T }, T)).toBe(true);
    expect(isInThePast({ kind: 'custom', from: 1, to: T + 1 }, T)).toBe(false);
    expect(isInThePast({ kind: 'preset', preset: '7d' }, T)).toBe(false);
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
