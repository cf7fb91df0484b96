/**
 * A report screen's range in its URL: read as the link says, or, when it cannot be, the last 24
 * hours and one line saying what was not read.
 */
import { describe, expect, test } from 'vitest';
import { rangeFromQuery, specToQuery } from './rangeQuery';

const FROM = '2025-03-01T06:30:00.000Z';
const TO = '2025-03-01T11:30:00.000Z';
const LAST_24_HOURS = { kind: 'preset', preset: '24h' } as const;

describe('the range of a link', () => {
  test('a preset, a custom range, and none at all read without a word', () => {
    expect(rangeFromQuery({ range: '7d' })).toEqual({
      spec: { kind: 'preset', preset: '7d' },
      problem: null,
    });
    const custom = { kind: 'custom', from: Date.parse(FROM), to: Date.parse(TO) } as const;
    expect(rangeFromQuery({ range: 'custom', from: FROM, to: TO })).toEqual({ spec: custom, problem: null });
    expect(rangeFromQuery(specToQuery(custom) as Record<string, string>).spec).toEqual(custom);
    expect(rangeFromQuery({})).toEqual({ spec: LAST_24_HOURS, problem: null });
  });

  test('one it cannot read is the last 24 hours, and says what it could not read', () => {
    const problem = (query: Record<string, string | null>) => {
      const read = rangeFromQuery(query);
      expect(read.spec).toEqual(LAST_24_HOURS);
      return read.problem;
    };
    expect(problem({ range: 'custom', from: 'abc', to: TO })).toBe(
      'The link’s range “from=abc” is not a date; showing the last 24 hours',
    );
    expect(problem({ range: 'custom', from: FROM, to: '2025-13-45' })).toBe(
      'The link’s range “to=2025-13-45” is not a date; showing the last 24 hours',
    );
    // Date.parse alone would read "1" as the year 2001.
    expect(problem({ range: 'custom', from: '1', to: TO })).toContain('“from=1” is not a date');
    expect(problem({ range: 'custom', to: TO })).toBe(
      'The link’s range has no “from”; showing the last 24 hours',
    );
    expect(problem({ range: 'custom', from: FROM, to: null })).toBe(
      'The link’s range has no “to”; showing the last 24 hours',
    );
    expect(problem({ range: 'custom', from: TO, to: FROM })).toBe(
      `The link’s range “to=${FROM}” is not after its “from”; showing the last 24 hours`,
    );
    expect(problem({ range: '1y' })).toBe(
      'The link’s range “range=1y” is not one of 30m, 24h, 7d, 30d, custom; showing the last 24 hours',
    );
    expect(problem({ from: FROM, to: TO })).toBe(
      `The link’s range “from=${FROM}” comes without “range=custom”; showing the last 24 hours`,
    );
    // A long value is cut short.
    expect(problem({ range: 'custom', from: 'x'.repeat(500), to: TO })).toBe(
      `The link’s range “from=${'x'.repeat(40)}…” is not a date; showing the last 24 hours`,
    );
  });

  test('a range outside the calendar the Stats API keeps is the default, saying why (every query failed on it)', () => {
    const problem = (query: Record<string, string>) => rangeFromQuery(query).problem;
    for (const [from, to] of [
      ['1990-01-01T00:00:00.000Z', TO],
      ['0001-01-01', TO],
      [FROM, '2101-01-01T00:00:00.000Z'],
    ] as const)
      expect(problem({ range: 'custom', from, to })).toBe(
        'The link’s range is outside 1999-01-02 to 2100-12-30 (EventLens keeps events of 2000 to 2100); showing the last 24 hours',
      );
    expect(
      problem({ range: 'custom', from: '1999-01-02T00:00:00.000Z', to: '2100-12-30T00:00:00.000Z' }),
    ).toBeNull();
  });

  test('a date beyond a four-digit year is no date: its range and previous period could not be computed', () => {
    // The last instant a Date holds: its end's minute and everything after it would be no time.
    expect(rangeFromQuery({ range: 'custom', from: FROM, to: '+275760-09-13T00:00:00.000Z' }).problem).toBe(
      'The link’s range “to=+275760-09-13T00:00:00.000Z” is not a date; showing the last 24 hours',
    );
  });
});
