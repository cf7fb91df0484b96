/**
 * The one HTTP client of the console. Everything the app reads or changes goes through a client
 * made here and provided to the app (see `./inject.ts`); tests provide a fake one instead.
 *
 * - Failures become an `ApiError` that says what failed ("Loading events failed: …"), with the
 *   server's stable code and the fields at fault.
 * - A 401 from any call (but the login itself) calls `onUnauthorized`: the app returns to the
 *   login page and comes back afterwards.
 * - State-changing requests carry the CSRF header the APIs require with a cookie session.
 */
import { CSRF_HEADER } from './headers.generated';

export { CSRF_HEADER };

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    /** The server's stable code (`NOT_FOUND`, `INVALID_FIELD`, …), or `NETWORK` / `BAD_RESPONSE`. */
    readonly code: string,
    /** The server's message, for people. */
    readonly detail: string,
    /** What the console was doing: "Loading events". */
    readonly action: string,
    readonly fields: FieldError[] = [],
  ) {
    super(`${action} failed: ${detail}${status > 0 ? ` (${apiErrorReference(code, status)})` : ''}`);
  }

  /**
   * Whether asking again can answer otherwise: the server unreachable (0), a timeout (408), too many
   * requests (429) or a server error (5xx). A client error (400, 404, 409, …) answers the same request
   * the same way: it is fixed by changing what was sent, not by sending it again.
   */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/**
 * How an error names itself for people and support: the server's code and the status
 * (`INVALID_FIELD, HTTP 400`), or the status alone when the server sent no code (the Stats API's
 * Plausible-shaped errors, a proxy's page), rather than a made-up `HTTP_400` beside `HTTP 400`.
 */
export function apiErrorReference(code: string, status: number): string {
  return code === `HTTP_${status}` ? `HTTP ${status}` : `${code}, HTTP ${status}`;
}

export type QueryValue = string | number | boolean | null | undefined;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path on this origin, e.g. `/api/query/v1/events`. */
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  headers?: Record<string, string>;
  /** For error messages: "Loading events". */
  action: string;
  /** A 401 here is an answer, not an expired session (the login form). */
  unauthorizedIsAnswer?: boolean;
  signal?: AbortSignal;
}

export interface HttpClient {
  /** The parsed JSON body, or undefined for 204. */
  request<T>(request: HttpRequest): Promise<T>;
}

export interface HttpClientOptions {
  /** Prefix of every path; '' for this origin (default). */
  baseUrl?: string;
  fetch?: typeof fetch;
  onUnauthorized?: (error: ApiError) => void;
}

export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

interface ErrorBody {
  /** EventLens's shape is an object; the Stats API answers Plausible's, a string naming the field. */
  error?: { code?: unknown; message?: unknown; fields?: unknown } | string;
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  return {
    async request<T>(req: HttpRequest): Promise<T> {
      const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
      if (req.method !== 'GET') headers[CSRF_HEADER] = '1';
      if (req.body !== undefined) headers['Content-Type'] = 'application/json';
      let response: Response;
      try {
        response = await doFetch(`${baseUrl}${req.path}${buildQuery(req.query)}`, {
          method: req.method,
          headers,
          credentials: 'same-origin',
          ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
        });
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw error;
        throw new ApiError(0, 'NETWORK', 'the console server could not be reached', req.action);
      }
      if (response.status === 204) return undefined as T;
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      if (!response.ok) {
        const raw = (body as ErrorBody | undefined)?.error;
        const e = typeof raw === 'string' ? { message: raw } : raw;
        const error = new ApiError(
          response.status,
          typeof e?.code === 'string' ? e.code : `HTTP_${response.status}`,
          typeof e?.message === 'string'
            ? e.message
            : response.statusText || 'the server answered with an error',
          req.action,
          Array.isArray(e?.fields) ? (e.fields as FieldError[]) : [],
        );
        if (response.status === 401 && !req.unauthorizedIsAnswer) options.onUnauthorized?.(error);
        throw error;
      }
      if (body === undefined) {
        throw new ApiError(response.status, 'BAD_RESPONSE', 'the server answered without JSON', req.action);
      }
      return body as T;
    },
  };
}
