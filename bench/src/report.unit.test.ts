/** The printed table's shape, and the percentile the end-to-end figures use. */
import { describe, expect, test } from 'vitest';
import { aimMet, describeAim, formatReportsTable, formatTable, type Row } from './report';
import { percentile } from './support';

describe('formatTable', () => {
  test('aligned Markdown: rates as a percentage of their ceiling, latencies as a multiple', () => {
    const rows: Row[] = [
      {
        figure: 'POST /v1/batch (500 events/request)',
        value: 17_982.4,
        unit: 'events/s',
        ceiling: { name: 'kafkajs direct', value: 37_851 },
        aim: { atLeast: 50_000 },
      },
      { figure: 'end-to-end p50 at 500 events/s', value: 141, unit: 'ms' },
      {
        figure: 'explorer first page at 1000000 events (p50)',
        value: 4.3,
        unit: 'ms',
        ceiling: { name: 'SQL execution', value: 0.11 },
        aim: { atMost: 50 },
      },
    ];
    expect(formatTable(rows)).toEqual([
      '| figure                                      | measured        | ceiling (same run)    | ratio | aim               | met |',
      '|---------------------------------------------|-----------------|-----------------------|-------|-------------------|-----|',
      '| POST /v1/batch (500 events/request)         | 17,982 events/s | kafkajs direct 37,851 | 48%   | ≥ 50,000 events/s | no  |',
      '| end-to-end p50 at 500 events/s              | 141 ms          |                       |       |                   |     |',
      '| explorer first page at 1000000 events (p50) | 4.3 ms          | SQL execution 0.1     | 39.1× | ≤ 50 ms           | yes |',
    ]);
  });

  test('no rows: the header alone', () => {
    expect(formatTable([])).toHaveLength(2);
  });
});

describe('aimMet', () => {
  const row = (value: number, aim: Row['aim'], ceiling?: number): Row => ({
    figure: 'f',
    value,
    unit: 'ms',
    aim,
    ...(ceiling === undefined ? {} : { ceiling: { name: 'c', value: ceiling } }),
  });

  test('at most, at least, a share of the ceiling; edges count as met', () => {
    expect(aimMet(row(250, { atMost: 250 }))).toBe(true);
    expect(aimMet(row(251, { atMost: 250 }))).toBe(false);
    expect(aimMet(row(2_500, { atLeast: 2_500 }))).toBe(true);
    expect(aimMet(row(2_499, { atLeast: 2_500 }))).toBe(false);
    expect(aimMet(row(80, { atLeastOfCeiling: 0.8 }, 100))).toBe(true);
    expect(aimMet(row(79, { atLeastOfCeiling: 0.8 }, 100))).toBe(false);
  });

  test('no aim, or a share of a ceiling that was not measured: null; nothing measured: not met', () => {
    expect(aimMet(row(1, undefined))).toBeNull();
    expect(aimMet(row(1, { atLeastOfCeiling: 0.5 }))).toBeNull();
    expect(aimMet(row(NaN, { atMost: 250 }))).toBe(false);
  });

  test('printed aims', () => {
    expect(describeAim({ atMost: 250 }, 'ms')).toBe('≤ 250 ms');
    expect(describeAim({ atLeast: 2_500 }, 'events/s')).toBe('≥ 2,500 events/s');
    expect(describeAim({ atLeastOfCeiling: 0.8 }, 'events/s')).toBe('≥ 80% of ceiling');
  });
});

describe('percentile', () => {
  test('nearest rank, rounding down; the last value at the top; NaN for no values', () => {
    const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(sorted, 0.5)).toBe(60);
    expect(percentile(sorted, 0.99)).toBe(100);
    expect(percentile(sorted, 0)).toBe(10);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('formatReportsTable', () => {
  test('report, runs, p50, p95, bare SQL p95, and whether the p95 is within the aim (else by how much)', () => {
    expect(
      formatReportsTable(
        [
          { name: 'KPI row 7d', runs: 40, p50: 12.34, p95: 20.01, sqlP95: 9.5 },
          { name: 'event:page, 30d, top 10', runs: 5, p50: 1234.5, p95: 1500, sqlP95: 1490 },
          { name: 'exactly at the aim', runs: 40, p50: 40, p95: 50, sqlP95: 48 },
        ],
        50,
      ),
    ).toEqual([
      '| report                  | runs | p50 ms | p95 ms | bare SQL p95 ms | p95 ≤ 50 ms |',
      '|-------------------------|-----:|-------:|-------:|----------------:|-------------|',
      '| KPI row 7d              |   40 |   12.3 |   20.0 |             9.5 | yes         |',
      '| event:page, 30d, top 10 |    5 |  1,235 |  1,500 |           1,490 | no (30.0×)  |',
      '| exactly at the aim      |   40 |   40.0 |   50.0 |            48.0 | yes         |',
    ]);
  });
});
