import { isCanonicalTimeZone as isTimeZone } from '@eventlens/contracts';
import { describe, expect, test } from 'vitest';
import {
  addDays,
  isLocalDate,
  isZonedDateTime,
  localToday,
  monthEnd,
  monthStart,
  trimRelative,
  type Period,
  resolvePeriod,
  timeLabels,
  wallClock,
  weekStart,
  zonedIso,
} from './dates';

describe('calendar arithmetic', () => {
  test('days and months cross month, year and leap-day boundaries', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(monthStart('2024-03-17')).toBe('2024-03-01');
    expect(monthStart('2024-03-17', -5)).toBe('2023-10-01');
    expect(monthStart('2024-12-05', 1)).toBe('2025-01-01');
    expect(monthEnd('2024-02-10')).toBe('2024-02-29');
    expect(monthEnd('2023-02-10')).toBe('2023-02-28');
  });

  test('a week starts on Monday, as date_trunc(week) does', () => {
    expect(weekStart('2024-03-10')).toBe('2024-03-04'); // a Sunday
    expect(weekStart('2024-03-11')).toBe('2024-03-11'); // a Monday
    expect(weekStart('2024-01-03')).toBe('2024-01-01');
  });

  test('dates and date-times are checked part by part', () => {
    expect(isLocalDate('2024-02-29')).toBe(true);
    expect(isLocalDate('2023-02-29')).toBe(false);
    expect(isLocalDate('2024-13-01')).toBe(false);
    expect(isLocalDate('24-01-01')).toBe(false);
    expect(isZonedDateTime('2024-01-01T10:00:00+05:30')).toBe(true);
    expect(isZonedDateTime('2024-01-01T10:00:00.123Z')).toBe(true);
    expect(isZonedDateTime('2024-01-01T10:00:00')).toBe(false); // no zone
    expect(isZonedDateTime('2024-01-01T25:00:00Z')).toBe(false);
    expect(isZonedDateTime('2024-02-30T10:00:00Z')).toBe(false);
  });
});

describe('resolvePeriod: Plausible presets in the zone’s today', () => {
  const today = '2024-03-15';
  const NOW = Date.parse('2024-03-15T12:00:00Z');
  test.each([
    ['day', '2024-03-15', '2024-03-15'],
    // <N>d: the N whole days before today (Plausible's query_period.ex, build_last_n_days_range).
    ['7d', '2024-03-08', '2024-03-14'],
    ['28d', '2024-02-16', '2024-03-14'],
    ['30d', '2024-02-14', '2024-03-14'],
    ['91d', '2023-12-15', '2024-03-14'],
    ['1d', '2024-03-14', '2024-03-14'],
    ['14d', '2024-03-01', '2024-03-14'],
    ['5000d', '2010-07-07', '2024-03-14'],
    ['month', '2024-03-01', '2024-03-31'],
    // <N>mo: the N whole months before this one (build_last_n_months_range).
    ['6mo', '2023-09-01', '2024-02-29'],
    ['12mo', '2023-03-01', '2024-02-29'],
    ['1mo', '2024-02-01', '2024-02-29'],
    ['100mo', '2015-11-01', '2024-02-29'],
    ['year', '2024-01-01', '2024-12-31'],
  ])('%s is %s … %s', (preset, first, last) => {
    expect(resolvePeriod(preset, today, NOW)).toEqual({ kind: 'dates', first, last });
  });

  test('all ends today; pairs of dates or date-times are taken as given', () => {
    expect(resolvePeriod('all', today, NOW)).toEqual({ kind: 'all', last: today });
    expect(resolvePeriod(['2024-01-01', '2024-01-31'], today, NOW)).toEqual({
      kind: 'dates',
      first: '2024-01-01',
      last: '2024-01-31',
    });
    expect(resolvePeriod(['2024-01-01T00:00:00Z', '2024-01-01T12:00:00+05:30'], today, NOW)).toEqual({
      kind: 'instants',
      from: '2024-01-01T00:00:00Z',
      to: '2024-01-01T12:00:00+05:30',
    });
  });

  test('realtime, 30m and 24h are the last minutes or hours before now', () => {
    expect(resolvePeriod('realtime', today, NOW)).toEqual({
      kind: 'instants',
      from: '2024-03-15T11:55:00.000Z',
      to: '2024-03-15T12:00:05.000Z',
    });
    expect(resolvePeriod('30m', today, NOW)).toEqual({
      kind: 'instants',
      from: '2024-03-15T11:30:00.000Z',
      to: '2024-03-15T12:00:05.000Z',
    });
    expect(resolvePeriod('24h', today, NOW)).toEqual({
      kind: 'instants',
      from: '2024-03-14T12:00:00.000Z',
      to: '2024-03-15T12:00:00.000Z',
    });
  });

  test('anything else is a message', () => {
    expect(resolvePeriod('1h', today, NOW)).toMatch(/'1h' is not one of/);
    // Plausible's bounds of N: 1 to 5,000 days, 1 to 100 months; the message names both forms.
    for (const range of ['0d', '5001d', '0mo', '101mo', '07d', '7days', '-7d'])
      expect(resolvePeriod(range, today, NOW)).toMatch(
        /<N>d \(the N days before today, N up to 5,000\) or <N>mo/,
      );
    expect(resolvePeriod(['2024-02-01', '2024-01-01'], today, NOW)).toBe('from must not be after to');
    expect(resolvePeriod(['2024-01-01'], today, NOW)).toMatch(/exactly two/);
    expect(resolvePeriod(['2024-01-01', '2024-01-02T00:00:00Z'], today, NOW)).toMatch(/two dates/);
    // Of the right form but no day: named, rather than told the form it already has.
    expect(resolvePeriod(['2024-02-30', '2024-03-01'], today, NOW)).toBe(
      "'2024-02-30' is not a day of the calendar",
    );
    expect(resolvePeriod(['2024-01-01T00:00:00Z', '2024-13-01T00:00:00Z'], today, NOW)).toBe(
      "'2024-13-01' is not a day of the calendar",
    );
  });
});

describe('time zones', () => {
  test('IANA names (aliases too) pass; offsets and unknown names do not', () => {
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Asia/Kolkata')).toBe(true);
    expect(isTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('+05:30')).toBe(false);
    expect(isTimeZone('UTC+5')).toBe(false);
    expect(isTimeZone("UTC'; drop table x; --")).toBe(false);
  });

  test('wall clock and offsets, half-hour zones and both sides of a clock change', () => {
    expect(wallClock(new Date('2024-01-01T18:29:59Z'), 'Asia/Kolkata')).toEqual({
      local: '2024-01-01T23:59:59',
      offset: '+05:30',
    });
    expect(localToday(Date.parse('2024-01-01T18:30:00Z'), 'Asia/Kolkata')).toBe('2024-01-02');
    expect(zonedIso(new Date('2024-03-10T06:59:59Z'), 'America/New_York')).toBe('2024-03-10T01:59:59-05:00');
    expect(zonedIso(new Date('2024-03-10T07:00:00Z'), 'America/New_York')).toBe('2024-03-10T03:00:00-04:00');
    expect(zonedIso(new Date('2024-03-10T07:00:00Z'), 'UTC')).toBe('2024-03-10T07:00:00+00:00');
  });
});

describe('timeLabels', () => {
  test('days, weeks and months from the first day’s bucket to the last day’s', () => {
    expect(timeLabels('day', '2024-02-27', '2024-03-01', 'UTC')).toEqual([
      '2024-02-27',
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
    // A week is its Monday, except a first week cut by the range: its first day (as Plausible).
    expect(timeLabels('week', '2024-03-06', '2024-03-18', 'UTC')).toEqual([
      '2024-03-06',
      '2024-03-11',
      '2024-03-18',
    ]);
    expect(timeLabels('week', '2024-03-04', '2024-03-11', 'UTC')).toEqual(['2024-03-04', '2024-03-11']);
    expect(timeLabels('month', '2023-11-15', '2024-01-02', 'UTC')).toEqual([
      '2023-11-01',
      '2023-12-01',
      '2024-01-01',
    ]);
  });

  test('hours are the wall-clock hours that exist: 23 on the day clocks go forward, 24 when they go back', () => {
    const plain = timeLabels('hour', '2024-03-09', '2024-03-09', 'America/New_York');
    expect(plain).toHaveLength(24);
    expect(plain[0]).toBe('2024-03-09 00:00:00');
    expect(plain[23]).toBe('2024-03-09 23:00:00');
    // 2024-03-10 02:00 never happens in New York (01:59:59 EST is followed by 03:00:00 EDT).
    const forward = timeLabels('hour', '2024-03-10', '2024-03-10', 'America/New_York');
    expect(forward).toHaveLength(23);
    expect(forward).not.toContain('2024-03-10 02:00:00');
    expect(forward.slice(1, 3)).toEqual(['2024-03-10 01:00:00', '2024-03-10 03:00:00']);
    // 2024-11-03 01:00 happens twice: one label, as it is one bucket.
    const back = timeLabels('hour', '2024-11-03', '2024-11-03', 'America/New_York');
    expect(back).toHaveLength(24);
    expect(new Set(back).size).toBe(24);
    // A half-hour zone and a zone without clock changes keep 24.
    expect(timeLabels('hour', '2024-03-10', '2024-03-10', 'Asia/Kolkata')).toHaveLength(24);
    // Lord Howe moves its clocks by 30 minutes: no whole hour is skipped.
    expect(timeLabels('hour', '2024-10-06', '2024-10-06', 'Australia/Lord_Howe')).toHaveLength(24);
    expect(timeLabels('hour', '2024-03-09', '2024-03-10', 'America/New_York')).toHaveLength(47);
  });
});

describe('trimRelative: include.trim_relative_date_range', () => {
  const today = '2024-03-15';
  const NOW = Date.parse('2024-03-15T12:00:00Z');
  const trimmed = (range: string) => trimRelative(range, resolvePeriod(range, today, NOW) as Period, today);
  test('month and year end today', () => {
    expect(trimmed('month')).toEqual({ kind: 'dates', first: '2024-03-01', last: '2024-03-15' });
    expect(trimmed('year')).toEqual({ kind: 'dates', first: '2024-01-01', last: '2024-03-15' });
  });
  test('every other range is as it was: those of past days have nothing after today to trim', () => {
    for (const range of ['day', '7d', '6mo', 'all', '24h'])
      expect(trimmed(range)).toEqual(resolvePeriod(range, today, NOW));
    // A month of the past (a date pair) is not a relative range.
    const pair = resolvePeriod(['2024-03-01', '2024-03-31'], today, NOW) as Period;
    expect(trimRelative(['2024-03-01', '2024-03-31'], pair, today)).toEqual(pair);
  });
});
