import { describe, expect, it } from 'vitest';
import { retry } from './retry';

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
    const controller = new AbortController();
    const started = Date.now();
    const attempt = retry(
      async () => {
        throw new Error('down');
      },
      { minMs: 60_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('closing')), 20);
    await expect(attempt).rejects.toThrow('closing');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
