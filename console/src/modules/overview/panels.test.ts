/** A panel's percentage, computed in the console from one visitors query (panels.ts). */
import { describe, expect, test } from 'vitest';
import { percentageOf } from './panels';

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
