/**
 * Failed-login throttle, pure (an injected clock, no timers): it answers whether an attempt may
 * go ahead, and after how long, and learns from the outcome. Strangers must not be able to turn it
 * against a user, so nothing here ever refuses an account as a whole:
 *
 * - per address: failures from one client address, whatever the accounts (a password spray from
 *   one place) → refused with Retry-After once `maxPerAddress` is reached in the window;
 * - per (account, address): failures against one account from one address → refused for that
 *   pair only once `maxPerAccountAddress` is reached; the same account from another address is
 *   not affected;
 * - per account: failures from everywhere make every attempt on that account wait a little
 *   before it is answered (`baseDelayMs` doubling per failure past `freeFailures`, at most
 *   `maxDelayMs`). Bounded, and never a refusal: the right password always gets in, a guesser
 *   spread over many addresses is slowed.
 *
 * A success clears the account's delay and its (account, address) bucket. The client address is
 * `req.ip`, which follows Express's `trust proxy`: only a configured proxy may name another one.
 * Kept in memory, per instance; entries are bounded by `maxEntries`.
 */
export interface ThrottleOptions {
  /** Failures from one address, any accounts, within the window before it is refused (default 20). */
  maxPerAddress?: number;
  /** Failures against one account from one address within the window before that pair is refused (default 5). */
  maxPerAccountAddress?: number;
  /** Failures against an account (any address) answered without delay (default 3). */
  freeFailures?: number;
  /** First delay past the free failures, doubled per failure (default 100 ms). */
  baseDelayMs?: number;
  /** The longest delay (default 2000 ms). */
  maxDelayMs?: number;
  windowMs?: number;
  now?: () => number;
  /** Entries kept before expired ones are swept; bounds memory under a spray of accounts. */
  maxEntries?: number;
}

export type ThrottleDecision =
  | { kind: 'refuse'; retryAfterS: number; reason: 'address' | 'account-address' }
  | { kind: 'proceed'; delayMs: number };

export interface LoginThrottle {
  /** Whether an attempt on `account` from `address` may be checked now, and after what delay. */
  check(account: string, address: string): ThrottleDecision;
  recordFailure(account: string, address: string): void;
  recordSuccess(account: string, address: string): void;
}

interface Window {
  failures: number;
  resetAt: number;
}

export function createLoginThrottle(options: ThrottleOptions = {}): LoginThrottle {
  const maxPerAddress = options.maxPerAddress ?? 20;
  const maxPerPair = options.maxPerAccountAddress ?? 5;
  const freeFailures = options.freeFailures ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 2000;
  const windowMs = options.windowMs ?? 15 * 60 * 1000;
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const windows = new Map<string, Window>();

  const addressKey = (address: string) => `addr\u0000${address}`;
  const pairKey = (account: string, address: string) => `pair\u0000${account}\u0000${address}`;
  const accountKey = (account: string) => `acct\u0000${account}`;

  function current(key: string): Window | undefined {
    const w = windows.get(key);
    if (w && w.resetAt <= now()) {
      windows.delete(key);
      return undefined;
    }
    return w;
  }

  function sweep(): void {
    const t = now();
    for (const [key, w] of windows) if (w.resetAt <= t) windows.delete(key);
    // Still full of live entries: drop the oldest rather than grow without bound.
    while (windows.size >= maxEntries) windows.delete(windows.keys().next().value!);
  }

  function bump(key: string): void {
    const w = current(key);
    if (w) {
      w.failures += 1;
      return;
    }
    if (windows.size >= maxEntries) sweep();
    windows.set(key, { failures: 1, resetAt: now() + windowMs });
  }

  function refusal(key: string, max: number): number | undefined {
    const w = current(key);
    if (!w || w.failures < max) return undefined;
    return Math.max(1, Math.ceil((w.resetAt - now()) / 1000));
  }

  return {
    check(account, address) {
      const byAddress = refusal(addressKey(address), maxPerAddress);
      if (byAddress !== undefined) return { kind: 'refuse', retryAfterS: byAddress, reason: 'address' };
      const byPair = refusal(pairKey(account, address), maxPerPair);
      if (byPair !== undefined) return { kind: 'refuse', retryAfterS: byPair, reason: 'account-address' };
      const failures = current(accountKey(account))?.failures ?? 0;
      if (failures < freeFailures) return { kind: 'proceed', delayMs: 0 };
      const exponent = Math.min(failures - freeFailures, 30);
      return { kind: 'proceed', delayMs: Math.min(maxDelayMs, baseDelayMs * 2 ** exponent) };
    },
    recordFailure(account, address) {
      bump(addressKey(address));
      bump(pairKey(account, address));
      bump(accountKey(account));
    },
    recordSuccess(account, address) {
      windows.delete(pairKey(account, address));
      windows.delete(accountKey(account));
    },
  };
}
