/** A panel's percentage, computed in the console from one visitors query (panels.ts). */
import { describe, expect, test } from 'vitest';
import { PANELS, percentageOf, tabFilters } from './panels';

describe('percentageOf', () => {
  test('rounds to one decimal as the Stats API does (PostgreSQL round(100.0 * v / all, 1))', () => {
    // Each expected value is what PostgreSQL 15 printed for the same pair, halves included.
    const cases: Array<[number, number, number]> = [
      [1, 8, 12.5],
      [1, 16, 6.3],
      [3, 16, 18.8],
      [1, 3, 33.3],
      [2, 3, 66.7],
      [1, 40, 2.5],
      [5, 8, 62.5],
      [7, 4000, 0.2],
      [1, 2000, 0.1],
      [3, 2000, 0.2],
      [999, 1000, 99.9],
      [2, 7, 28.6],
      [12, 12, 100],
    ];
    expect(cases.map(([v, all]) => percentageOf(v, all))).toEqual(cases.map(([, , p]) => p));
  });

  test('no visitors at all is 0%, not a division by zero', () => {
    expect(percentageOf(0, 0)).toBe(0);
  });
});

describe('tabFilters', () => {
  const google = { dimension: 'visit:source', op: 'is' as const, value: 'Google' };
  const panel = (id: string) => PANELS.find((p) => p.id === id)!;

  test('the UTM tabs ask only for visits with a value: `contains ""`, which a missing value fails', () => {
    for (const tab of panel('utm').tabs) {
      expect(tabFilters(panel('utm'), tab.dimension, [google])).toEqual([
        google,
        { dimension: tab.dimension, op: 'contains', value: '' },
      ]);
    }
  });

  test('every other panel keeps its "(none)" row (Direct / None, a page without a URL…)', () => {
    for (const def of PANELS.filter((p) => p.id !== 'utm')) {
      for (const tab of def.tabs) expect(tabFilters(def, tab.dimension, [google])).toEqual([google]);
    }
  });
});
