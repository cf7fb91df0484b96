/**
 * When a crashed service is started again. Pure logic on an injected clock, so the policy is tested
 * without waiting: exponential backoff with a cap, and a crash loop (too many crashes within a
 * window) ends the restarts. A crash that comes long after the last one starts the backoff afresh.
 */
import { StackError } from './errors';

export interface RestartPolicyOptions {
  /** The delay before the first restart. */
  initialDelayMs: number;
  /** Delays double per crash within the window, up to this. */
  maxDelayMs: number;
  /** This many crashes within `windowMs` is a crash loop: no more restarts. */
  maxCrashes: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxCrashes: 5,
  windowMs: 5 * 60_000,
};

export type RestartDecision =
  | { action: 'restart'; delayMs: number; crashesInWindow: number }
  | { action: 'give-up'; crashesInWindow: number; windowMs: number };

export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY,
    private readonly now: () => number = Date.now,
  ) {
    if (options.maxCrashes < 1 || options.initialDelayMs < 0 || options.maxDelayMs < options.initialDelayMs)
      throw new RangeError('restart policy: maxCrashes ≥ 1 and 0 ≤ initialDelayMs ≤ maxDelayMs');
  }

  /** Records a crash now and says what to do about it. */
  crashed(): RestartDecision {
    const at = this.now();
    this.crashes = this.crashes.filter((t) => at - t < this.options.windowMs);
    this.crashes.push(at);
    const n = this.crashes.length;
    if (n >= this.options.maxCrashes) {
      return { action: 'give-up', crashesInWindow: n, windowMs: this.options.windowMs };
    }
    const delayMs = Math.min(this.options.maxDelayMs, this.options.initialDelayMs * 2 ** (n - 1));
    return { action: 'restart', delayMs, crashesInWindow: n };
  }
}

/** Reads EVENTLENS_RESTART_* overrides (used by tests and documented in docs/deploy.md). */
export function restartPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RestartPolicyOptions {
  const read = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0)
      throw new StackError('CONFIG_INVALID', `${name} must be a non-negative integer, not "${raw}"`);
    return value;
  };
  const d = DEFAULT_RESTART_POLICY;
  const options = {
    initialDelayMs: read('EVENTLENS_RESTART_DELAY_MS', d.initialDelayMs),
    maxDelayMs: read('EVENTLENS_RESTART_MAX_DELAY_MS', d.maxDelayMs),
    maxCrashes: read('EVENTLENS_RESTART_MAX_CRASHES', d.maxCrashes),
    windowMs: read('EVENTLENS_RESTART_WINDOW_S', d.windowMs / 1000) * 1000,
  };
  if (options.maxCrashes < 1)
    throw new StackError('CONFIG_INVALID', 'EVENTLENS_RESTART_MAX_CRASHES must be at least 1');
  if (options.maxDelayMs < options.initialDelayMs)
    throw new StackError(
      'CONFIG_INVALID',
      'EVENTLENS_RESTART_MAX_DELAY_MS must not be below EVENTLENS_RESTART_DELAY_MS',
    );
  return options;
}
