import { afterEach, describe, expect, it, vi } from 'vitest';
import { retry } from './retry';

afterEach(() => {
  vi.useRealTimers();
});

describe('retry', () => {
  it('retries failures until an attempt succeeds, reporting each retry', async () => {
    const retried: number[] = [];
    const result = await retry(
      async (attempt) => {
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return attempt;
      },
      { minMs: 1, maxMs: 2, onRetry: (_error, attempt) => retried.push(attempt) },
    );
    expect(result).toBe(3);
    expect(retried).toEqual([1, 2]);
  });

  it('stops at an error shouldRetry refuses, and after the retries', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('permanent');
        },
        { minMs: 1, shouldRetry: (error) => error.message !== 'permanent' },
      ),
    ).rejects.toThrow('permanent');
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('again');
        },
        { retries: 2, minMs: 1, maxMs: 1 },
      ),
    ).rejects.toThrow('again');
    expect(calls).toBe(3);
  });

  it('stops waiting when aborted', async () => {
    vi.useFakeTimers();
    const started = Date.now();
    const controller = new AbortController();
    let settled: string | undefined;
    void retry(
      async () => {
        throw new Error('down');
      },
      { minMs: 60_000, signal: controller.signal },
    ).then(
      () => (settled = 'resolved'),
      (error: Error) => (settled = error.message),
    );
    // 20 ms in, the first attempt has failed and the wait of at least 60 s has begun.
    await vi.advanceTimersByTimeAsync(20);
    expect(settled).toBeUndefined();
    controller.abort(new Error('closing'));
    // Rejected with the abort's reason long before the wait is over (vi.waitFor moves the fake clock
    // on by its interval at each look).
    await vi.waitFor(() => expect(settled).toBe('closing'), { timeout: 1_000, interval: 50 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
