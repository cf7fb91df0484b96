/**
 * Whether this browser may have a console session. The session cookie is httpOnly, so the SPA
 * cannot see it; asking `/v1/auth/me` on every cold load would, for a browser that never logged
 * in (or logged out), be answered 401, which the browser reports as an error in its console. So
 * the SPA remembers, in localStorage (shared by the origin's tabs, like the cookie), that a login
 * succeeded, and forgets it on logout and on any 401:
 *
 * - no hint: `/me` is not asked; the session check answers "not logged in" at once (a 401 made
 *   here, never sent);
 * - a hint: `/me` is asked as before; a 401 (the session expired) clears the hint.
 *
 * A cookie without a hint (storage cleared by hand) costs one extra login, never access. This
 * wraps the HTTP client, so no API route, server or store changes for it.
 */
import { ApiError, type HttpClient } from './http';

export interface SessionHint {
  present(): boolean;
  set(): void;
  clear(): void;
}

export const SESSION_HINT_KEY = 'eventlens.signedIn';

/** The hint in `localStorage`; without storage (blocked), always "maybe": `/me` is asked. */
export function storedSessionHint(
  storage: () => Storage | undefined = () => globalThis.localStorage,
): SessionHint {
  const safe = (f: (s: Storage) => void) => {
    try {
      const s = storage();
      if (s) f(s);
    } catch {
      // Storage blocked: the hint stays "maybe".
    }
  };
  return {
    present() {
      let value: string | null = '1';
      safe((s) => (value = s.getItem(SESSION_HINT_KEY)));
      return value !== null;
    },
    set: () => safe((s) => s.setItem(SESSION_HINT_KEY, '1')),
    clear: () => safe((s) => s.removeItem(SESSION_HINT_KEY)),
  };
}

const isAuth = (path: string, route: 'me' | 'login' | 'logout') => path.endsWith(`/v1/auth/${route}`);

/** The client, asking `/v1/auth/me` only when the hint says there may be a session. */
export function withSessionHint(http: HttpClient, hint: SessionHint): HttpClient {
  return {
    async request<T>(req: Parameters<HttpClient['request']>[0]): Promise<T> {
      if (req.method === 'GET' && isAuth(req.path, 'me') && !hint.present()) {
        throw new ApiError(401, 'UNAUTHORIZED', 'not logged in in this browser', req.action);
      }
      try {
        const answer = await http.request<T>(req);
        if (req.method === 'POST' && isAuth(req.path, 'login')) hint.set();
        if (req.method === 'POST' && isAuth(req.path, 'logout')) hint.clear();
        return answer;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) hint.clear();
        if (req.method === 'POST' && isAuth(req.path, 'logout')) hint.clear();
        throw error;
      }
    },
  };
}
