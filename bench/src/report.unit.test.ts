/** The printed table's shape, and the percentile the end-to-end figures use. */
import { describe, expect, test } from 'vitest';
import { formatTable, type Row } from './report';
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
