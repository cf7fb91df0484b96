/**
 * Per-key rate limit, counted in events (a batch of 200 costs 200). A key may spend
 * `eventsPerSecond` every second, and when that is used up draw on a burst allowance of `burst`
 * events that refills over ten seconds. In memory, per process: behind a load balancer each
 * instance enforces its own share.
 */
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

export interface EventRateLimiter {
  take(key: string, events: number): Promise<RateDecision>;
}

export interface RateLimitOptions {
  eventsPerSecond: number;
  burst: number;
}

const BURST_WINDOW_S = 10;

export function createEventRateLimiter(options: RateLimitOptions): EventRateLimiter {
  const steady = new RateLimiterMemory({ keyPrefix: 'rate', points: options.eventsPerSecond, duration: 1 });
  const limiter =
    options.burst > 0
      ? new BurstyRateLimiter(
          steady,
          new RateLimiterMemory({ keyPrefix: 'burst', points: options.burst, duration: BURST_WINDOW_S }),
        )
      : steady;
  return {
    async take(key, events) {
      try {
        await limiter.consume(key, events);
        return { ok: true };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return { ok: false, retryAfterMs: Math.max(1, rejection.msBeforeNext) };
        }
        throw rejection;
      }
    },
  };
}
