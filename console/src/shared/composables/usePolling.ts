/**
 * Runs a task now and then every `intervalMs` after it finishes, while the tab is visible: when the
 * tab is hidden nothing runs, and becoming visible again runs the task at once. Stops with the
 * component (or store scope) that started it.
 */
import { getCurrentScope, onScopeDispose, ref, toValue, watch, type MaybeRefOrGetter, type Ref } from 'vue';

export interface PollerOptions {
  intervalMs: number;
  /** Poll only while this is true (default: always). */
  enabled?: MaybeRefOrGetter<boolean>;
  /** Run once at start (default true). */
  immediate?: boolean;
  document?: Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'>;
}

export interface Poller {
  /** Runs the task now (unless it is running) and restarts the wait. */
  trigger(): Promise<void>;
  stop(): void;
  /** False while the tab is hidden or the poller is disabled. */
  active: Ref<boolean>;
}

export function usePolling(task: () => Promise<unknown> | unknown, options: PollerOptions): Poller {
  const doc = options.document ?? (typeof document === 'undefined' ? undefined : document);
  const active = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const visible = () => !doc || doc.visibilityState !== 'hidden';
  const enabled = () => (options.enabled === undefined ? true : toValue(options.enabled));

  function schedule(): void {
    clearTimeout(timer);
    timer = undefined;
    active.value = !stopped && visible() && enabled();
    if (!active.value) return;
    timer = setTimeout(() => void run(), options.intervalMs);
  }

  async function run(): Promise<void> {
    if (running) return running;
    if (stopped || !visible() || !enabled()) {
      schedule();
      return;
    }
    clearTimeout(timer);
    const current = (async () => {
      try {
        await task();
      } catch {
        // The task reports its own errors (in its store); polling goes on.
      }
    })();
    running = current;
    try {
      await current;
    } finally {
      running = undefined;
      schedule();
    }
  }

  const onVisibility = () => {
    if (visible()) void run();
    else schedule();
  };
  doc?.addEventListener('visibilitychange', onVisibility);

  const stopWatch =
    options.enabled === undefined
      ? undefined
      : watch(
          () => toValue(options.enabled),
          (on) => (on ? void run() : schedule()),
        );

  if (options.immediate ?? true) void run();
  else schedule();

  function stop(): void {
    stopped = true;
    clearTimeout(timer);
    active.value = false;
    doc?.removeEventListener('visibilitychange', onVisibility);
    stopWatch?.();
  }
  if (getCurrentScope()) onScopeDispose(stop);

  return { trigger: run, stop, active };
}
