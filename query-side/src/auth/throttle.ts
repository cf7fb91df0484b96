/**
 * Failed-login throttle: a fixed window of failures per email and per client address. Kept in
 * memory, so with several query-side instances each counts its own share (a proxy in front may
 * add a global limit).
 */
export interface ThrottleOptions {
  /** Failures of one email within the window before it is refused (default 5). */
  maxPerEmail?: number;
  /** Failures from one address within the window before it is refused (default 20). */
  maxPerAddress?: number;
  windowMs?: number;
  now?: () => number;
  /** Entries kept before expired ones are swept; bounds memory under a spray of emails. */
  maxEntries?: number;
}

interface Window {
  failures: number;
  resetAt: number;
}

export interface LoginThrottle {
  /** Seconds to wait when `email` or `address` is locked out, else undefined. */
  blockedFor(email: string, address: string): number | undefined;
  recordFailure(email: string, address: string): void;
  recordSuccess(email: string): void;
}

export function createLoginThrottle(options: ThrottleOptions = {}): LoginThrottle {
  const maxPerEmail = options.maxPerEmail ?? 5;
  const maxPerAddress = options.maxPerAddress ?? 20;
  const windowMs = options.windowMs ?? 15 * 60 * 1000;
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const windows = new Map<string, Window>();

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

  function wait(key: string, max: number): number | undefined {
    const w = current(key);
    if (!w || w.failures < max) return undefined;
    return Math.max(1, Math.ceil((w.resetAt - now()) / 1000));
  }

  return {
    blockedFor(email, address) {
      const a = wait(`email:${email}`, maxPerEmail);
      const b = wait(`addr:${address}`, maxPerAddress);
      if (a === undefined && b === undefined) return undefined;
      return Math.max(a ?? 0, b ?? 0);
    },
    recordFailure(email, address) {
      bump(`email:${email}`);
      bump(`addr:${address}`);
    },
    recordSuccess(email) {
      windows.delete(`email:${email}`);
    },
  };
}
