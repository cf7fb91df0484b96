/** The seed's randomness: reproducible, and the shapes it promises (weights, Zipf's long tail). */
import { describe, expect, test } from 'vitest';
import { exponential, seededRandom, weighted, zipf } from './random';

const draws = (n: number, sample: () => number) => Array.from({ length: n }, sample);

describe('seededRandom', () => {
  test('the same seed gives the same sequence, another seed another, all in [0, 1)', () => {
    const a = draws(1000, seededRandom(7));
    expect(draws(1000, seededRandom(7))).toEqual(a);
    expect(draws(1000, seededRandom(8))).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
    const mean = a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe('weighted', () => {
  test('draws each index in proportion to its weight, never one of weight 0', () => {
    const random = seededRandom(1);
    const pick = weighted([1, 0, 3]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[pick(random)]!++;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / counts[0]!).toBeGreaterThan(2.8);
    expect(counts[2]! / counts[0]!).toBeLessThan(3.2);
  });

  test('refuses no weights, a negative one, and weights summing to 0', () => {
    expect(() => weighted([])).toThrow('no weights');
    expect(() => weighted([1, -1])).toThrow('weight 1 is -1');
    expect(() => weighted([0, 0])).toThrow('sum to 0');
  });
});

describe('zipf', () => {
  test('rank k is drawn about (k+1)^s times less often than rank 0: a head and a long tail', () => {
    const random = seededRandom(3);
    const pick = zipf(1000, 1);
    const counts = new Array<number>(1000).fill(0);
    for (let i = 0; i < 200_000; i++) counts[pick(random)]!++;
    // P(0) = 1 / H(1000) ≈ 0.134; rank 9 a tenth of it.
    expect(counts[0]! / 200_000).toBeGreaterThan(0.12);
    expect(counts[0]! / 200_000).toBeLessThan(0.15);
    expect(counts[0]! / counts[9]!).toBeGreaterThan(8);
    expect(counts[0]! / counts[9]!).toBeLessThan(12);
    // The tail: ranks 100… together still hold about a third of the draws, each one rarely.
    const tail = counts.slice(100).reduce((a, b) => a + b, 0) / 200_000;
    expect(tail).toBeGreaterThan(0.28);
    expect(tail).toBeLessThan(0.36);
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(950);
  });

  test('refuses a rank count that is no whole number ≥ 1', () => {
    expect(() => zipf(0, 1)).toThrow('n must be');
    expect(() => zipf(2.5, 1)).toThrow('n must be');
  });
});

describe('exponential', () => {
  test('has the mean it is given', () => {
    const random = seededRandom(5);
    const xs = draws(50_000, () => exponential(random, 45));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(43);
    expect(mean).toBeLessThan(47);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
  });
});
