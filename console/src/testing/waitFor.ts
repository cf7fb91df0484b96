/**
 * `vi.waitFor` with 5 s to wait instead of vitest's 1 s. A route change or a re-render after a fake
 * request settles in milliseconds on a quiet machine, but took over a second in CI while every
 * package's tests shared two cores. The console's tests wait through this (ESLint refuses
 * `vi.waitFor` in them), so a new wait cannot get the 1 s default by accident.
 *
 * @param check asserts the condition; retried every 50 ms until it stops throwing
 * @param timeoutMs how long to retry before failing with `check`'s last error (ms)
 * @returns what `check` returned the first time it did not throw
 */
import { vi } from 'vitest';

export function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  return vi.waitFor(check, { timeout: timeoutMs, interval: 50 });
}
