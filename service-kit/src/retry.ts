/**
 * The one retry helper, on p-retry: exponential backoff with jitter between attempts, until the
 * attempt succeeds, `shouldRetry` says no, the retries run out, or `signal` aborts. For what a
 * service waits on at start-up (a registry, a broker, a database); kafkajs and opossum keep their
 * own retries.
 */
import pRetry from 'p-retry';

export interface RetryOptions {
  /** Retries after the first attempt; unbounded by default. */
  retries?: number;
  /** The first delay, doubled after each failure up to `maxMs`, each randomised ×1–2 (p-retry). */
  minMs?: number;
  maxMs?: number;
  /** false: stop with this error (default: retry every error). */
  shouldRetry?: (error: Error) => boolean;
  /** Called after each failed attempt that will be retried (attempt counts from 1). */
  onRetry?: (error: Error, attempt: number) => void;
  /** Aborting stops the waiting at once; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

export function retry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const shouldRetry = options.shouldRetry ?? (() => true);
  return pRetry(attempt, {
    retries: options.retries ?? Number.POSITIVE_INFINITY,
    minTimeout: options.minMs ?? 200,
    maxTimeout: options.maxMs ?? 5000,
    factor: 2,
    randomize: true,
    ...(options.signal ? { signal: options.signal } : {}),
    shouldRetry: ({ error }) => shouldRetry(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && shouldRetry(error)) options.onRetry?.(error, attemptNumber);
    },
  });
}
