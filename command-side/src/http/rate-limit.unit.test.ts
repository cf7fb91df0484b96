import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventRateLimiter } from './rate-limit';

describe('per-key event rate limit', () => {
  it('counts events, not requests, and draws on the burst allowance before refusing', async () => {
    const limiter = createEventRateLimiter({ eventsPerSecond: 100, burst: 50 });
    expect(await limiter.take('k1', 100)).toEqual({ ok: true });
    expect(await limiter.take('k1', 50)).toEqual({ ok: true }); // from the burst
    const refused = await limiter.take('k1', 1);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
    }
  });

  it('keeps keys apart', async () => {
    const limiter = createEventRateLimiter({ eventsPerSecond: 10, burst: 0 });
    expect(await limiter.take('a', 10)).toEqual({ ok: true });
    expect((await limiter.take('a', 1)).ok).toBe(false);
    expect(await limiter.take('b', 10)).toEqual({ ok: true });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('refills every second', async () => {
    // The limiter's memory store reads Date and expires keys with timers: both are faked, so the
    // second passes without waiting for it.
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const limiter = createEventRateLimiter({ eventsPerSecond: 5, burst: 0 });
    expect(await limiter.take('a', 5)).toEqual({ ok: true });
    expect((await limiter.take('a', 1)).ok).toBe(false);
    await vi.advanceTimersByTimeAsync(900);
    expect((await limiter.take('a', 1)).ok).toBe(false);
    await vi.advanceTimersByTimeAsync(150);
    expect(await limiter.take('a', 5)).toEqual({ ok: true });
  });
});
