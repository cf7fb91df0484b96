/** The printed table's shape, and the percentile the end-to-end figures use. */
import { describe, expect, test } from 'vitest';
import { formatReportsTable, formatTable, type Row } from './report';
import { percentile } from './support';

describe('formatTable', () => {
  test('aligned Markdown: rates as a percentage of their ceiling, latencies as a multiple', () => {
    const rows: Row[] = [
      {
        figure: 'POST /v1/batch (500 events/request)',
        value: 17_982.4,
        unit: 'events/s',
        ceiling: { name: 'kafkajs direct', value: 37_851 },
        aim: '≥ 50,000',
      },
      { figure: 'end-to-end p50 at 500 events/s', value: 141, unit: 'ms' },
      {
        figure: 'explorer first page at 1000000 events (p50)',
        value: 4.3,
        unit: 'ms',
        ceiling: { name: 'SQL execution', value: 0.11 },
        aim: '≤ 50',
      },
    ];
    expect(formatTable(rows)).toEqual([
      '| figure                                      | measured        | ceiling (same run)    | ratio | aim      |',
      '|---------------------------------------------|-----------------|-----------------------|-------|----------|',
      '| POST /v1/batch (500 events/request)         | 17,982 events/s | kafkajs direct 37,851 | 48%   | ≥ 50,000 |',
      '| end-to-end p50 at 500 events/s              | 141 ms          |                       |       |          |',
      '| explorer first page at 1000000 events (p50) | 4.3 ms          | SQL execution 0.1     | 39.1× | ≤ 50     |',
    ]);
  });

  test('no rows: the header alone', () => {
    expect(formatTable([])).toHaveLength(2);
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
