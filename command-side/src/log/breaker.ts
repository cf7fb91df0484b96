/**
 * The circuit breaker around the log. While Kafka answers, appends pass through. When appends
 * keep failing (unavailable or timing out), the circuit opens and every append is refused at once
 * with LOG_UNAVAILABLE and a Retry-After, instead of each request waiting out Kafka's timeouts.
 * After `resetTimeoutMs` one trial append goes through (half-open): success closes the circuit.
 *
 * Refusals that say nothing about Kafka's health (records rejected as too large, shutting down)
 * do not count toward opening. Deadlines live in the group commit, so opossum's own timeout is off.
 */
import CircuitBreaker from 'opossum';
import { LogError, type Appender, type LogRecord } from './appender';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  resetTimeoutMs: number;
  /** Percentage of failed appends in the rolling window that opens the circuit. */
  errorThresholdPercentage: number;
  /** Appends in the rolling window before the circuit may open at all. */
  volumeThreshold: number;
  rollingWindowMs?: number;
  onStateChange?: (state: BreakerState) => void;
  now?: () => number;
}

export interface GuardedAppender extends Appender {
  state(): BreakerState;
  shutdown(): void;
}

export function createBreaker(target: Appender, options: BreakerOptions): GuardedAppender {
  const now = options.now ?? Date.now;
  let openedAt = 0;
  const breaker = new CircuitBreaker((records: readonly LogRecord[]) => target.append(records), {
    timeout: false,
    resetTimeout: options.resetTimeoutMs,
    errorThresholdPercentage: options.errorThresholdPercentage,
    volumeThreshold: options.volumeThreshold,
    rollingCountTimeout: options.rollingWindowMs ?? 10_000,
    rollingCountBuckets: 10,
    errorFilter: (error: unknown) => !(error instanceof LogError) || !error.transient,
  });
  const state = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed');
  breaker.on('open', () => {
    openedAt = now();
    options.onStateChange?.('open');
  });
  breaker.on('halfOpen', () => options.onStateChange?.('half-open'));
  breaker.on('close', () => options.onStateChange?.('closed'));

  function retryAfterS(): number {
    return Math.max(1, Math.ceil((openedAt + options.resetTimeoutMs - now()) / 1000));
  }

  async function append(records: readonly LogRecord[]): Promise<void> {
    try {
      await breaker.fire(records);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EOPENBREAKER') {
        throw new LogError('LOG_UNAVAILABLE', 'the event log is unavailable (circuit open)', retryAfterS());
      }
      throw error;
    }
  }

  return { append, state, shutdown: () => breaker.shutdown() };
}
