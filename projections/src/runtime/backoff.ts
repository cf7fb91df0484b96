/**
 * Exponential backoff with jitter, as a pure function: attempt 0 waits about `minMs`, each
 * further attempt doubles it, capped at `maxMs`. Jitter spreads the retries of several workers
 * (or partitions) that all saw PostgreSQL go away at the same moment.
 */
export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
}

/** `random` in [0, 1); the delay lands in [half, full] of the exponential step. */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  const full = Math.min(policy.maxMs, policy.minMs * 2 ** exponent);
  return Math.round(full / 2 + (full / 2) * random());
}
