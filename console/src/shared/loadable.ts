/** One piece of remote data with its loading state and the error that says what failed. */
import { reactive } from 'vue';
import { ApiError } from '@/api/http';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface Loadable<T> {
  data: T | null;
  status: LoadStatus;
  error: ApiError | null;
  /** Whether the data is being refreshed while the previous data is still shown. */
  refreshing: boolean;
}

export function loadable<T>(): Loadable<T> {
  return reactive({ data: null, status: 'idle', error: null, refreshing: false }) as Loadable<T>;
}

/** Anything thrown, as an ApiError that names the action. */
export function asApiError(error: unknown, action: string): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'CLIENT', (error as Error)?.message ?? String(error), action);
}

/**
 * Runs `fetch` into `target`: the first load shows a loading state, later ones keep the data on
 * screen. An error replaces the data's status but keeps the last data for context.
 */
export async function fill<T>(
  target: Loadable<T>,
  fetch: () => Promise<T>,
  action = 'Loading',
): Promise<boolean> {
  if (target.data === null) target.status = 'loading';
  else target.refreshing = true;
  try {
    target.data = await fetch();
    target.status = 'ready';
    target.error = null;
    return true;
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') return false;
    target.error = asApiError(error, action);
    target.status = 'error';
    return false;
  } finally {
    target.refreshing = false;
  }
}

export function reset<T>(target: Loadable<T>): void {
  target.data = null;
  target.status = 'idle';
  target.error = null;
  target.refreshing = false;
}

/** Runs a fetch, keeping its answer only while no later call of the same function has started. */
export type Latest = <T>(fetch: () => Promise<T>) => Promise<T>;

/**
 * One report's "latest answer wins": each call runs `fetch`; an answer that arrives after a later
 * call started is dropped, thrown as an AbortError, which `fill` ignores. A failure is thrown as it
 * is, whichever call it belongs to.
 */
export function latest(): Latest {
  let generation = 0;
  return async (fetch) => {
    const mine = ++generation;
    const answer = await fetch();
    if (mine !== generation) throw new DOMException('superseded', 'AbortError');
    return answer;
  };
}
