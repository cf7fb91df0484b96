/**
 * Seeded randomness for the reports' data set (./traffic.ts): the same seed gives the same traffic,
 * so two runs of the benchmark measure the same shape of data.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * Mulberry32: a 32-bit generator, enough for shaping test traffic (not for anything secret).
 * `seed` is any integer; the same seed gives the same sequence.
 */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index of the first cumulative weight above `u` × total: a draw from `cdf` (ascending, last = total). */
function search(cdf: Float64Array, u: number): number {
  const target = u * cdf[cdf.length - 1]!;
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A sampler of indexes 0…weights.length-1, each with probability weight ÷ sum (weights ≥ 0, sum > 0). */
export function weighted(weights: readonly number[]): (random: Random) => number {
  if (weights.length === 0) throw new Error('weighted: no weights');
  const cdf = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    if (!(w >= 0)) throw new Error(`weighted: weight ${i} is ${w}`);
    sum += w;
    cdf[i] = sum;
  });
  if (sum <= 0) throw new Error('weighted: the weights sum to 0');
  return (random) => search(cdf, random());
}

/**
 * Zipf's law over ranks 0…n-1: rank k drawn with probability ∝ 1 / (k + 1)^s — the long tail of
 * pages, referrers and campaigns (a few take most of the traffic, thousands are seen a few times).
 */
export function zipf(n: number, s: number): (random: Random) => number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`zipf: n must be a whole number ≥ 1, not ${n}`);
  return weighted(Array.from({ length: n }, (_, k) => 1 / (k + 1) ** s));
}

/** An exponential draw of mean `mean` (the gaps between a visitor's events). */
export function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random()) * mean;
}
