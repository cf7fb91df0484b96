import { describe, expect, it } from 'vitest';
import { eventually } from '../src/eventually';

describe('eventually', () => {
  it('returns the first value that is not undefined, null or false', async () => {
    const answers = [undefined, null, false, 0, 7];
    let calls = 0;
    const value = await eventually('a number', () => answers[calls++], { intervalMs: 1 });
    expect(value).toBe(0);
    expect(calls).toBe(4);
  });

  it('keeps polling through thrown errors and awaits promises', async () => {
    let calls = 0;
    const value = await eventually(
      'the third call',
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`call ${calls} failed`);
        return 'ok';
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('ok');
  });

  it('names the condition and the last error when time runs out', async () => {
    let calls = 0;
    // 1 s at 5 ms intervals: a CI run with every package's tests on two cores once let a 50 ms
    // window pass with one poll only.
    const error = await eventually(
      'the row',
      () => {
        calls += 1;
        throw new Error(`missing after ${calls} polls`);
      },
      { timeoutMs: 1000, intervalMs: 5 },
    ).catch((e: unknown) => e);
    expect(calls).toBeGreaterThan(1);
    // The last poll's error, not the first's.
    expect((error as Error).message).toBe(`the row: not within 1000 ms (missing after ${calls} polls)`);
  });

  it('names only the condition when the probe never threw', async () => {
    await expect(eventually('never', () => false, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(
      /^never: not within 20 ms$/,
    );
  });
});
