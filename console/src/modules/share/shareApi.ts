/**
 * How a public dashboard (`/share/<token>`) talks to the query side: with a grant, never with the
 * console's session. The token is exchanged for a grant (POST /v1/share/session, with the link's
 * password when it has one), and every request of the dashboard then carries
 * `Authorization: Share <grant>` (docs/stats-api.md, Authentication). The query side answers such a
 * request only on the dashboard's routes (the Stats API and the project's time zone), for the link's
 * project, and stops answering within a second of the link's revocation.
 *
 * The dashboard has an HTTP client of its own (SHARE_HTTP; tests provide a fake one), not the
 * console's: a 401 here (a password needed, a link revoked) says nothing about a console session,
 * so it must neither send the console to its login page nor forget that this browser has one.
 *
 * The grant is kept in sessionStorage for its token, so a reload within its hour asks for no
 * password again; it is renewed (with itself, no password) before it expires.
 */
import { inject, type InjectionKey } from 'vue';
import { ApiError, createHttpClient, type HttpClient, type HttpRequest } from '@/api/http';
import { QUERY, createApi, type Api } from '@/api';
import type { ShareSession } from '@/api/types';

export const SHARE_HTTP: InjectionKey<HttpClient> = Symbol('eventlens.share.http');

/** The public dashboard's HTTP client: the one provided (tests), else a client of this origin. */
export function useShareHttp(): HttpClient {
  return inject(SHARE_HTTP, () => createHttpClient(), true);
}

/** The client with `Authorization` set on every request to what `authorization()` says now. */
export function withAuthorization(http: HttpClient, authorization: () => string | undefined): HttpClient {
  return {
    request<T>(req: HttpRequest): Promise<T> {
      const value = authorization();
      return http.request<T>(value ? { ...req, headers: { ...req.headers, Authorization: value } } : req);
    },
  };
}

/** The console's API over `http`, every request carrying the grant `grant()` holds (the dashboard uses its reports). */
export function grantedApi(http: HttpClient, grant: () => string | undefined): Api {
  return createApi(
    withAuthorization(http, () => {
      const g = grant();
      return g ? `Share ${g}` : undefined;
    }),
  );
}

/** What an exchange can answer, as the view needs it. */
export type ExchangeResult =
  | { kind: 'granted'; session: ShareSession }
  /** The link has a password: none was sent (`wrong` false) or a wrong one (`wrong` true). */
  | { kind: 'password'; wrong: boolean; message: string }
  /** No link has this token, or it was revoked: the server's message says which. */
  | { kind: 'gone'; message: string }
  | { kind: 'throttled'; message: string };

/**
 * Exchanges `token` (with `password`, or renewing `grant`) for a grant. A refusal the view shows
 * is a result; anything else (the server unreachable, a 5xx) is thrown as the ApiError it is.
 */
export async function exchange(
  http: HttpClient,
  token: string,
  options: { password?: string; grant?: string } = {},
): Promise<ExchangeResult> {
  try {
    const session = await http.request<ShareSession>({
      method: 'POST',
      path: `${QUERY}/v1/share/session`,
      body: { token, ...(options.password !== undefined ? { password: options.password } : {}) },
      ...(options.grant ? { headers: { Authorization: `Share ${options.grant}` } } : {}),
      action: 'Opening the shared dashboard',
      unauthorizedIsAnswer: true,
    });
    return { kind: 'granted', session };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401 && error.fields.some((f) => f.field === 'password')) {
      return { kind: 'password', wrong: options.password !== undefined, message: error.detail };
    }
    if (error.status === 404) return { kind: 'gone', message: error.detail };
    if (error.status === 400 && error.fields.some((f) => f.field === 'token')) {
      return { kind: 'gone', message: 'this is not a link to a shared dashboard' };
    }
    if (error.status === 429) return { kind: 'throttled', message: error.detail };
    throw error;
  }
}

const STORAGE_KEY = 'eventlens.share.grant';

interface Stored extends ShareSession {
  token: string;
}

/** The grant kept for `token` in this tab (sessionStorage), unless it expires within `marginMs`. */
export function storedGrant(token: string, now: number, marginMs = 60_000): ShareSession | undefined {
  try {
    const raw = globalThis.sessionStorage?.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as Partial<Stored>;
    const { grant, project_id, link_id, expires_at } = stored;
    if (stored.token !== token || typeof grant !== 'string' || typeof project_id !== 'string')
      return undefined;
    if (typeof link_id !== 'string' || typeof expires_at !== 'string') return undefined;
    const expires = Date.parse(expires_at);
    if (!Number.isFinite(expires) || expires - marginMs <= now) return undefined;
    return { grant, project_id, link_id, expires_at };
  } catch {
    return undefined;
  }
}

/** Keeps `session` for `token` in this tab; `undefined` forgets it. */
export function storeGrant(token: string, session: ShareSession | undefined): void {
  try {
    if (!session) globalThis.sessionStorage?.removeItem(STORAGE_KEY);
    else
      globalThis.sessionStorage?.setItem(
        STORAGE_KEY,
        JSON.stringify({
          token,
          grant: session.grant,
          project_id: session.project_id,
          link_id: session.link_id,
          expires_at: session.expires_at,
        } satisfies Stored),
      );
  } catch {
    // Storage blocked: the grant lasts as long as the page.
  }
}
