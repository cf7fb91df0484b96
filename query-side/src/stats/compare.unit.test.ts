import { describe, expect, test } from 'vitest';
import { attachComparisons, change, comparisonQuery } from './compare';
import { comparisonPeriod, minuteLabels } from './dates';
import { planQuery } from './plan';
import { QueryError } from './errors';
import { parseQuery, StatsRequest, type StatsQuery } from './query';

const PROJECT = '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const TABLES = {
  events: '"analytics"."events"',
  sessions: '"analytics"."sessions"',
  volumeMinute: '"analytics"."volume_minute"',
  pageViewsHour: '"analytics"."page_views_hour"',
};
/** Noon UTC on Friday 2024-03-15. */
const NOW = Date.parse('2024-03-15T12:00:00Z');

function parsed(body: Record<string, unknown>): StatsQuery {
  const request = StatsRequest.parse({ site_id: PROJECT, metrics: ['visitors'], date_range: '7d', ...body });
  return parseQuery(request, PROJECT, NOW, []);
}

function parseError(body: Record<string, unknown>): string {
  try {
    parsed(body);
  } catch (error) {
    if (error instanceof QueryError) return error.message;
    throw error;
  }
  throw new Error('expected a QueryError');
}

describe('comparisonPeriod (Plausible comparisons.ex)', () => {
  const today = '2024-03-15';
  test('previous_period: the same number of days just before', () => {
    expect(
      comparisonPeriod({ kind: 'dates', first: '2024-03-09', last: '2024-03-15' }, today, 'previous_period'),
    ).toEqual({
      kind: 'dates',
      first: '2024-03-02',
      last: '2024-03-08',
    });
  });
  test('previous_period of this month: the days so far, as Plausible caps the range at today', () => {
    // Plausible's test: month of 2023-03-02 compares with 2023-02-27 … 2023-02-28.
    expect(
      comparisonPeriod(
        { kind: 'dates', first: '2023-03-01', last: '2023-03-31' },
        '2023-03-02',
        'previous_period',
      ),
    ).toEqual({ kind: 'dates', first: '2023-02-27', last: '2023-02-28' });
  });
  test('previous_period of a past month: the days before it, as many', () => {
    expect(
      comparisonPeriod(
        { kind: 'dates', first: '2023-02-01', last: '2023-02-28' },
        '2023-03-01',
        'previous_period',
      ),
    ).toEqual({ kind: 'dates', first: '2023-01-04', last: '2023-01-31' });
  });
  test('year_over_year: 365 days back, the last day capped at today', () => {
    expect(
      comparisonPeriod(
        { kind: 'dates', first: '2023-02-01', last: '2023-02-28' },
        '2023-03-01',
        'year_over_year',
      ),
    ).toEqual({ kind: 'dates', first: '2022-02-01', last: '2022-02-28' });
    expect(
      comparisonPeriod({ kind: 'dates', first: '2024-03-01', last: '2024-03-31' }, today, 'year_over_year'),
    ).toEqual({
      kind: 'dates',
      first: '2023-03-02', // 2024 is a leap year: 365 days back is one day later
      last: '2023-03-16',
    });
  });
  // Plausible's comparisons_test.exs, "matches the day of the week …", then a custom pair.
  test.each([
    // Month of 2023-02-01 (a Wednesday) on 2023-03-01: the 28 days before already start on Wednesday 01-04.
    [
      'already on the weekday: unchanged',
      ['2023-02-01', '2023-02-28'],
      '2023-03-01',
      'previous_period',
      ['2023-01-04', '2023-01-31'],
    ],
    // January 2023 starts on a Sunday; the 31 days before it on Thursday 2022-12-01.
    [
      'to the next such weekday',
      ['2023-01-01', '2023-01-31'],
      '2023-03-01',
      'previous_period',
      ['2022-12-04', '2023-01-03'],
    ],
    // The year to 2023-03-01 a year back: 2022-01-01 is a Saturday, the range's first day a Sunday.
    [
      'a year back, to the next such weekday',
      ['2023-01-01', '2023-12-31'],
      '2023-03-01',
      'year_over_year',
      ['2022-01-02', '2022-03-02'],
    ],
    // This month on 2023-03-02: 03-01 … 03-02 against 02-27 … 02-28, whose next Wednesday is 03-01.
    [
      'a week earlier when the next such weekday is the range’s first day',
      ['2023-03-01', '2023-03-31'],
      '2023-03-02',
      'previous_period',
      ['2023-02-22', '2023-02-23'],
    ],
  ] as const)('match_day_of_week, %s', (_case, [first, last], today, mode, [wantFirst, wantLast]) => {
    expect(comparisonPeriod({ kind: 'dates', first, last }, today, mode, undefined, true)).toEqual({
      kind: 'dates',
      first: wantFirst,
      last: wantLast,
    });
  });
  test('match_day_of_week leaves a custom pair as given', () => {
    const p = { kind: 'dates' as const, first: '2024-03-09', last: '2024-03-15' };
    expect(comparisonPeriod(p, today, 'custom', ['2024-01-01', '2024-01-07'], true)).toEqual({
      kind: 'dates',
      first: '2024-01-01',
      last: '2024-01-07',
    });
  });
  test('custom: the given dates; errors name what is wrong', () => {
    const p = { kind: 'dates' as const, first: '2024-03-09', last: '2024-03-15' };
    expect(comparisonPeriod(p, today, 'custom', ['2024-01-01', '2024-01-07'])).toEqual({
      kind: 'dates',
      first: '2024-01-01',
      last: '2024-01-07',
    });
    expect(comparisonPeriod(p, today, 'custom')).toMatch(/two dates/);
    expect(comparisonPeriod(p, today, 'custom', ['2024-01-07', '2024-01-01'])).toMatch(/after/);
    expect(comparisonPeriod(p, today, 'previous_period', ['2024-01-01', '2024-01-07'])).toMatch(/custom/);
    expect(comparisonPeriod({ kind: 'all', last: today }, today, 'previous_period')).toMatch(/whole days/);
    expect(
      comparisonPeriod(
        { kind: 'instants', from: '2024-03-15T11:55:00Z', to: '2024-03-15T12:00:05Z' },
        today,
        'year_over_year',
      ),
    ).toMatch(/whole days/);
  });
});

describe('parseQuery: comparisons and minutes', () => {
  test('include.comparisons resolves the compared period in the query’s zone', () => {
    const q = parsed({ include: { comparisons: { mode: 'previous_period' } }, timezone: 'America/New_York' });
    expect(q.include.comparison).toEqual({
      mode: 'previous_period',
      period: { kind: 'dates', first: '2024-03-01', last: '2024-03-07' },
    });
  });
  test('refusals name include.comparisons', () => {
    expect(
      parseError({ date_range: 'realtime', include: { comparisons: { mode: 'previous_period' } } }),
    ).toMatch(/^include\.comparisons: comparisons need a date_range of whole days/);
    expect(() => parsed({ include: { comparisons: { mode: 'last_week' } } })).toThrow();
    expect(() =>
      parsed({ include: { comparisons: { mode: 'previous_period', match_day_of_week: 'yes' } } }),
    ).toThrow();
  });
  test('include.comparisons.match_day_of_week moves the compared period to the range’s weekday', () => {
    // 7d before Friday 2024-03-15 starts on a Friday, and so does the week before it: unchanged.
    expect(
      parsed({ include: { comparisons: { mode: 'previous_period', match_day_of_week: true } } }).include
        .comparison?.period,
    ).toEqual({ kind: 'dates', first: '2024-03-01', last: '2024-03-07' });
    // 30d (2024-02-14, a Wednesday, … 03-14): the 30 days before start on a Monday, moved to Wednesday.
    expect(
      parsed({
        date_range: '30d',
        include: { comparisons: { mode: 'previous_period', match_day_of_week: true } },
      }).include.comparison?.period,
    ).toEqual({ kind: 'dates', first: '2024-01-17', last: '2024-02-15' });
  });
  test('time:minute for ranges up to 2 days, refused beyond', () => {
    expect(parsed({ date_range: 'realtime', dimensions: ['time:minute'] }).dimensions).toEqual([
      'time:minute',
    ]);
    expect(parsed({ date_range: 'day', dimensions: ['time:minute'] }).dimensions).toEqual(['time:minute']);
    expect(parseError({ date_range: '7d', dimensions: ['time:minute'] })).toBe(
      'dimensions: time:minute needs a date_range of at most 2 days: use time:hour for a longer one',
    );
    expect(parseError({ date_range: 'all', dimensions: ['time:minute'] })).toMatch(
      /^dimensions: time:minute/,
    );
  });
  test('hours over at most 400 days and days over 10,000: a series has at most about 10,000 buckets', () => {
    expect(
      parsed({ date_range: ['2024-01-01', '2025-02-03'], dimensions: ['time:hour'] }).dimensions,
    ).toEqual(['time:hour']);
    expect(parseError({ date_range: ['2024-01-01', '2025-02-04'], dimensions: ['time:hour'] })).toBe(
      'dimensions: time:hour needs a date_range of at most 400 days: use time:day for a longer one',
    );
    expect(
      parseError({
        date_range: ['2024-01-01T00:00:00Z', '2025-02-04T00:00:01Z'],
        dimensions: ['time:hour'],
      }),
    ).toMatch(/^dimensions: time:hour needs/);
    expect(parsed({ date_range: ['2000-01-01', '2027-05-18'], dimensions: ['time:day'] }).dimensions).toEqual(
      ['time:day'],
    );
    expect(parseError({ date_range: ['2000-01-01', '2027-05-19'], dimensions: ['time:day'] })).toBe(
      'dimensions: time:day needs a date_range of at most 10,000 days: use time:week or time:month for a longer one',
    );
    // Weeks and months over the whole calendar are fewer than 10,000.
    expect(
      parsed({ date_range: ['1999-01-01', '2100-12-31'], dimensions: ['time:week'] }).dimensions,
    ).toEqual(['time:week']);
  });
  test('days outside the calendar (1999-01-01 to 2100-12-31) are a 400 naming the field, whatever the form', () => {
    const outside = /is outside EventLens's calendar, 1999-01-01 to 2100-12-31/;
    expect(parseError({ date_range: ['0001-01-01', '0001-12-31'] })).toMatch(outside);
    expect(parseError({ date_range: ['0100-01-01', '0100-01-02'] })).toMatch(outside);
    expect(parseError({ date_range: ['9999-12-30', '9999-12-31'] })).toMatch(outside);
    expect(parseError({ date_range: ['1998-12-31', '2024-01-01'] })).toMatch(
      /^date_range: '1998-12-31' is outside/,
    );
    expect(parseError({ date_range: ['2024-01-01T00:00:00Z', '2101-01-01T00:00:00Z'] })).toMatch(
      /^date_range: '2101-01-01' is outside/,
    );
    expect(parseError({ date_range: 'month', date: '9999-12-31' })).toMatch(/^date: '9999-12-31' is outside/);
    expect(
      parseError({
        date_range: '7d',
        include: { comparisons: { mode: 'custom', date_range: ['0999-01-01', '0999-01-07'] } },
      }),
    ).toMatch(/^include.comparisons: '0999-01-01' is outside/);
    // The calendar's ends are taken, and the compared period may reach before them (it holds no events).
    expect(parsed({ date_range: ['1999-01-01', '2100-12-31'] }).period).toEqual({
      kind: 'dates',
      first: '1999-01-01',
      last: '2100-12-31',
    });
    expect(
      parsed({ date_range: 'year', date: '1999-06-01', include: { comparisons: { mode: 'year_over_year' } } })
        .include.comparison?.period,
    ).toEqual({ kind: 'dates', first: '1998-01-01', last: '1998-06-01' });
  });
  test('time:minute buckets by the zone’s wall-clock minute', () => {
    const plan = planQuery(parsed({ date_range: 'realtime', dimensions: ['time:minute'] }), TABLES);
    expect(plan.sql).toContain(
      "to_char(date_trunc('minute', e.ts at time zone ?::text), 'YYYY-MM-DD HH24:MI:SS')",
    );
  });
});

describe('minuteLabels', () => {
  test('every wall-clock minute of [lo, hi), in the zone', () => {
    expect(
      minuteLabels(new Date('2024-03-15T11:55:00Z'), new Date('2024-03-15T11:58:00Z'), 'Asia/Kolkata'),
    ).toEqual(['2024-03-15 17:25:00', '2024-03-15 17:26:00', '2024-03-15 17:27:00']);
  });
  test('a minute started before lo is its first label; clocks back repeat no label', () => {
    expect(minuteLabels(new Date('2024-03-15T11:55:30Z'), new Date('2024-03-15T11:56:05Z'), 'UTC')).toEqual([
      '2024-03-15 11:55:00',
      '2024-03-15 11:56:00',
    ]);
    // New York, 2024-11-03: 05:59Z is 01:59 EDT, 06:00Z is 01:00 EST … 06:59Z 01:59 again.
    const labels = minuteLabels(
      new Date('2024-11-03T05:00:00Z'),
      new Date('2024-11-03T07:00:00Z'),
      'America/New_York',
    );
    expect(labels).toHaveLength(60);
    expect(labels[0]).toBe('2024-11-03 01:00:00');
  });
});

describe('change (Plausible Compare.calculate_change)', () => {
  test('percentage change, rounded half away from zero', () => {
    expect(change('visitors', 4, 5)).toBe(25);
    expect(change('visitors', 8, 7)).toBe(-13); // -12.5
    expect(change('visitors', 3, 1)).toBe(-67);
    expect(change('pageviews', 0, 5)).toBe(100);
    expect(change('pageviews', 0, 0)).toBe(0);
    expect(change('views_per_visit', 2, 2.5)).toBe(25);
  });
  test('bounce_rate: the difference in points, null from 0', () => {
    expect(change('bounce_rate', 40, 55)).toBe(15);
    expect(change('bounce_rate', 60, 50)).toBe(-10);
    expect(change('bounce_rate', 0, 50)).toBeNull();
  });
  test('conversion_rate: the difference in points, one decimal, from 0 too; group_conversion_rate in percent', () => {
    expect(change('conversion_rate', 25, 33.3)).toBe(8.3);
    expect(change('conversion_rate', 33.3, 25)).toBe(-8.3);
    expect(change('conversion_rate', 0, 12.5)).toBe(12.5);
    expect(change('conversion_rate', 40, 40)).toBe(0);
    expect(change('group_conversion_rate', 25, 50)).toBe(100);
  });
  test('exit_rate: the difference in points, one decimal (Plausible’s calculate_change)', () => {
    expect(change('exit_rate', 20, 25)).toBe(5);
    expect(change('exit_rate', 66.7, 40)).toBe(-26.7);
    expect(change('exit_rate', 0, 33.3)).toBe(33.3);
  });
});

describe('comparisonQuery', () => {
  const compare = { include: { comparisons: { mode: 'previous_period' } } };
  test('the compared period, every row, only the page’s values of the property dimensions', () => {
    const q = parsed({
      ...compare,
      dimensions: ['time:day', 'event:page'],
      pagination: { limit: 2, offset: 4 },
    });
    const c = comparisonQuery(q, [
      ['2024-03-08', '/a'],
      ['2024-03-09', '/b'],
      ['2024-03-10', '/a'],
    ]);
    expect(c.period).toEqual({ kind: 'dates', first: '2024-03-01', last: '2024-03-07' });
    expect(c.offset).toBe(0);
    expect(c.limit).toBeGreaterThan(1_000_000);
    expect(c.include.comparison).toBeNull();
    expect(c.filters).toEqual([
      { op: 'is', dimension: 'event:page', values: ['/a', '/b'], caseSensitive: true },
    ]);
  });
  test('two property dimensions: one `and` per distinct pair', () => {
    const q = parsed({ ...compare, dimensions: ['visit:source', 'event:page'] });
    const c = comparisonQuery(q, [
      ['Google', '/a'],
      ['Google', '/a'],
      ['Bing', '/b'],
    ]);
    expect(c.filters).toHaveLength(1);
    expect(c.filters[0]).toMatchObject({ op: 'or', filters: [{ op: 'and' }, { op: 'and' }] });
  });
  test('unfiltered with a missing value on the page, with percentage, or with only a time dimension', () => {
    expect(
      comparisonQuery(parsed({ ...compare, dimensions: ['event:page'] }), [['/a'], [null]]).filters,
    ).toEqual([]);
    expect(
      comparisonQuery(
        parsed({ ...compare, metrics: ['visitors', 'percentage'], dimensions: ['event:page'] }),
        [['/a']],
      ).filters,
    ).toEqual([]);
    expect(
      comparisonQuery(parsed({ ...compare, dimensions: ['time:day'] }), [['2024-03-09']]).filters,
    ).toEqual([]);
  });
  test('unfiltered with conversion_rate (its total is over every row); group_conversion_rate narrows', () => {
    const goalFilter = { filters: [['is', 'event:goal', ['Signup']]], dimensions: ['visit:source'] };
    expect(
      comparisonQuery(parsed({ ...compare, ...goalFilter, metrics: ['conversion_rate'] }), [['Google']])
        .filters,
    ).toHaveLength(1);
    expect(
      comparisonQuery(parsed({ ...compare, ...goalFilter, metrics: ['group_conversion_rate'] }), [['Google']])
        .filters,
    ).toHaveLength(2);
  });
});

describe('attachComparisons', () => {
  test('time buckets map by position; a missing compared row is zeros', () => {
    const q = parsed({
      metrics: ['visitors', 'bounce_rate'],
      dimensions: ['time:day'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    const rows = attachComparisons(
      q,
      [
        { dimensions: ['2024-03-14'], metrics: [4, 50] },
        { dimensions: ['2024-03-15'], metrics: [2, 0] },
      ],
      [{ dimensions: ['2024-03-12'], metrics: [2, 25] }],
      ['2024-03-14', '2024-03-15'],
      ['2024-03-12', '2024-03-13'],
    );
    expect(rows).toEqual([
      {
        dimensions: ['2024-03-14'],
        metrics: [4, 50],
        comparison: { dimensions: ['2024-03-12'], metrics: [2, 25], change: [100, 25] },
      },
      {
        dimensions: ['2024-03-15'],
        metrics: [2, 0],
        comparison: { dimensions: ['2024-03-13'], metrics: [0, 0], change: [100, null] },
      },
    ]);
  });
  test('property dimensions match by value; no dimensions compare the one row', () => {
    const q = parsed({ dimensions: ['event:page'], include: { comparisons: { mode: 'year_over_year' } } });
    const rows = attachComparisons(
      q,
      [{ dimensions: ['/a'], metrics: [3] }],
      [
        { dimensions: ['/b'], metrics: [9] },
        { dimensions: ['/a'], metrics: [4] },
      ],
      [],
      [],
    );
    expect(rows[0]!.comparison).toEqual({ dimensions: ['/a'], metrics: [4], change: [-25] });
    const total = attachComparisons(
      parsed({}),
      [{ dimensions: [], metrics: [6] }],
      [{ dimensions: [], metrics: [3] }],
      [],
      [],
    );
    expect(total[0]!.comparison.change).toEqual([100]);
  });
});
