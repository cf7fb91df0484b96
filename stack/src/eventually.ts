/**
 * The one polling helper every package's tests use: waits until `probe` gives a value, built on
 * vitest's `vi.waitFor` (so a timeout fails the test with the probe's last error).
 *
 * `probe` may return the value, or `undefined`/`null`/`false` for "not yet", or throw for "not
 * yet, and here is why" (the last such error is the one reported). Test-only: import it from
 * `@eventlens/stack/eventually`, never from service code (it needs vitest).
 *
 * @param what      names the condition in the timeout error, e.g. "the event in the query API".
 * @param probe     the check, polled every `intervalMs` (default 100 ms).
 * @param timeoutMs how long to wait in all (default 15 s).
 * @returns the first value `probe` gave that is not undefined/null/false.
 * @throws Error "<what>: not within <timeoutMs> ms (<last error>)" on timeout.
 */
import { vi } from 'vitest';

export type Probe<T> = () => T | undefined | null | false | Promise<T | undefined | null | false>;

export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

export async function eventually<T>(
  what: string,
  probe: Probe<T>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeout = options.timeoutMs ?? 15_000;
  const interval = options.intervalMs ?? 100;
  let last: unknown;
  try {
    return await vi.waitFor(
      async () => {
        let value: T | undefined | null | false;
        try {
          value = await probe();
        } catch (error) {
          last = error;
          throw error;
        }
        if (value === undefined || value === null || value === false) throw new Error(`${what}: not yet`);
        return value;
      },
      { timeout, interval },
    );
  } catch {
    const reason =
      last instanceof Error ? ` (${last.message})` : last !== undefined ? ` (${String(last)})` : '';
    throw new Error(`${what}: not within ${timeout} ms${reason}`);
  }
}
