import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

const policy = { minMs: 100, maxMs: 5000 };

describe('backoffDelay', () => {
  it('doubles per attempt, between half and all of the step', () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(50);
    expect(backoffDelay(0, policy, () => 0.999999)).toBe(100);
    expect(backoffDelay(1, policy, () => 0.999999)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(600);
  });

  it('is capped, even after many attempts', () => {
    expect(backoffDelay(10, policy, () => 0.999999)).toBe(5000);
    expect(backoffDelay(1000, policy, () => 0)).toBe(2500);
  });

  it('spreads workers that failed together', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(4, policy)));
    expect(delays.size).toBeGreaterThan(1);
  });
});
