/** The poller: every interval after the task ends, never while the tab is hidden, at once when shown. */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { effectScope, ref } from 'vue';
import { usePolling } from './usePolling';

class FakeDocument extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible';
  show(state: DocumentVisibilityState): void {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

let doc: FakeDocument;
beforeEach(() => {
  vi.useFakeTimers();
  doc = new FakeDocument();
});
afterEach(() => vi.useRealTimers());

function start(options: Partial<Parameters<typeof usePolling>[1]> = {}) {
  const runs: number[] = [];
  const scope = effectScope();
  const poller = scope.run(() =>
    usePolling(() => void runs.push(Date.now()), {
      intervalMs: 5000,
      document: doc as unknown as Document,
      ...options,
    }),
  )!;
  return { runs, poller, scope };
}

describe('usePolling', () => {
  test('runs at once, then every 5 s', async () => {
    const { runs, scope } = start();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(runs).toHaveLength(4);
    scope.stop();
  });

  test('pauses while the tab is hidden and runs at once when it is shown again', async () => {
    const { runs, poller, scope } = start();
    await vi.advanceTimersByTimeAsync(0);
    doc.show('hidden');
    expect(poller.active.value).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(1);
    doc.show('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(2);
    expect(poller.active.value).toBe(true);
    scope.stop();
  });

  test('waits for a slow task: never two at once', async () => {
    let running = 0;
    let most = 0;
    const scope = effectScope();
    scope.run(() =>
      usePolling(
        async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 12_000));
          running--;
        },
        { intervalMs: 5000, document: doc as unknown as Document },
      ),
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(most).toBe(1);
    scope.stop();
  });

  test('follows `enabled`, and stops with its scope', async () => {
    const enabled = ref(false);
    const { runs, scope } = start({ enabled, immediate: false });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(runs).toHaveLength(0);
    enabled.value = true;
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(1);
    scope.stop();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(runs).toHaveLength(1);
  });

  test('a failing task does not stop the polling', async () => {
    let calls = 0;
    const scope = effectScope();
    scope.run(() =>
      usePolling(
        () => {
          calls++;
          throw new Error('boom');
        },
        { intervalMs: 1000, document: doc as unknown as Document },
      ),
    );
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls).toBe(4);
    scope.stop();
  });
});
