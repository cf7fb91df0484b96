import { describe, expect, it } from 'vitest';
import { LogError, type Appender, type LogRecord } from './appender';
import { createGroupCommit, type FlushStats } from './group-commit';

/** A fake log whose produce calls the test settles by hand. */
function manualLog() {
  const calls: { records: readonly LogRecord[]; ack(): void; fail(error: unknown): void }[] = [];
  const log: Appender = {
    append: (records) =>
      new Promise<void>((resolve, reject) => calls.push({ records, ack: resolve, fail: reject })),
  };
  return { log, calls };
}

const record = (n: number, bytes = 10): LogRecord => ({
  topic: 't',
  key: `k${n}`,
  value: Buffer.alloc(bytes, n),
});
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
const options = { lingerMs: 2, maxRecords: 1000, maxBytes: 1024 * 1024, timeoutMs: 5000 };

function track(promise: Promise<void>) {
  const state = { settled: false, error: undefined as unknown };
  promise.then(
    () => (state.settled = true),
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

describe('group commit', () => {
  it('coalesces many concurrent appends into few produce calls', async () => {
    const calls: number[] = [];
    const log: Appender = {
      append: async (records) => {
        calls.push(records.length);
        await tick(5);
      },
    };
    const committer = createGroupCommit(log, options);
    await Promise.all(Array.from({ length: 200 }, (_, i) => committer.append([record(i)])));
    expect(calls.reduce((a, b) => a + b, 0)).toBe(200);
    expect(calls.length).toBeLessThanOrEqual(3);
  });

  it('answers each caller only once the produce call carrying its records is acknowledged', async () => {
    const { log, calls } = manualLog();
    const committer = createGroupCommit(log, options);
    const first = track(committer.append([record(1)]));
    await tick(5);
    expect(calls).toHaveLength(1);
    // While the first call is in flight, later appends wait for the next call.
    const later = [track(committer.append([record(2)])), track(committer.append([record(3), record(4)]))];
    await tick(5);
    expect(calls).toHaveLength(1);
    expect(first.settled).toBe(false);

    calls[0]!.ack();
    await tick();
    expect(first).toEqual({ settled: true, error: undefined });
    expect(later.map((s) => s.settled)).toEqual([false, false]);
    // The next call starts as soon as the previous one settles, with everything that queued meanwhile.
    expect(calls).toHaveLength(2);
    expect(calls[1]!.records.map((r) => r.key)).toEqual(['k2', 'k3', 'k4']);

    calls[1]!.ack();
    await tick();
    expect(later.every((s) => s.settled && s.error === undefined)).toBe(true);
  });

  it('rejects exactly the callers of a failed produce call', async () => {
    const { log, calls } = manualLog();
    const committer = createGroupCommit(log, options);
    const first = track(committer.append([record(1)]));
    await tick(5);
    const second = [track(committer.append([record(2)])), track(committer.append([record(3)]))];
    const failure = new LogError('LOG_UNAVAILABLE', 'broker down');
    calls[0]!.fail(failure);
    await tick();
    expect(first.error).toBe(failure);
    expect(second.map((s) => s.settled)).toEqual([false, false]);
    calls[1]!.ack();
    await tick();
    expect(second.map((s) => s.error)).toEqual([undefined, undefined]);
  });

  it('caps a produce call by records and bytes, never splitting one caller', async () => {
    const { log, calls } = manualLog();
    const committer = createGroupCommit(log, { ...options, maxRecords: 5, maxBytes: 10 * 1024 });
    const done = [
      committer.append([record(1)]),
      committer.append([record(2), record(3), record(4)]),
      committer.append([record(5), record(6)]), // would make 6 records: next call
      committer.append([record(7, 20 * 1024)]), // larger than maxBytes on its own: goes alone
    ];
    // maxRecords pending: the first call leaves without waiting for the linger.
    await tick();
    expect(calls.map((c) => c.records.length)).toEqual([4]);
    calls[0]!.ack();
    await tick();
    expect(calls.map((c) => c.records.length)).toEqual([4, 2]);
    calls[1]!.ack();
    await tick();
    expect(calls.map((c) => c.records.length)).toEqual([4, 2, 1]);
    calls[2]!.ack();
    await Promise.all(done);
  });

  it('withdraws an append that could not be sent before its deadline, and never sends it', async () => {
    const { log, calls } = manualLog();
    const committer = createGroupCommit(log, { ...options, timeoutMs: 30 });
    const stuck = track(committer.append([record(1)]));
    await tick(5);
    const queued = track(committer.append([record(2)]));
    await tick(50);
    expect((stuck.error as LogError).code).toBe('APPEND_TIMEOUT');
    expect((queued.error as LogError).code).toBe('LOG_UNAVAILABLE');
    expect(committer.pendingRecords()).toBe(0);
    calls[0]!.ack();
    await tick(5);
    expect(calls).toHaveLength(1);
  });

  it('reports each produce call and drains on close', async () => {
    const stats: FlushStats[] = [];
    const committer = createGroupCommit(
      { append: async () => void (await tick(2)) },
      { ...options, onFlush: (s) => stats.push(s) },
    );
    const pending = Promise.all([committer.append([record(1)]), committer.append([record(2), record(3)])]);
    await committer.close();
    await pending;
    expect(stats).toEqual([expect.objectContaining({ records: 3, appends: 2, ok: true })]);
    await expect(committer.append([record(4)])).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
