/** The one HTTP client, on an injected fetch: headers, errors that say what failed, 401s. */
import { describe, expect, test } from 'vitest';
import { ApiError, buildQuery, createHttpClient } from './http';

function recordingFetch(answer: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answer(url, init);
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('http client', () => {
  test('GET: query string without empty values, same-origin credentials, no CSRF header', async () => {
    const { fetch, calls } = recordingFetch(() => json(200, { ok: true }));
    const http = createHttpClient({ fetch });
    await http.request({
      method: 'GET',
      path: '/api/query/v1/events',
      query: { a: 'x y', b: undefined, c: null, d: '', e: 5 },
      action: 'Loading',
    });
    expect(calls[0]!.url).toBe('/api/query/v1/events?a=x+y&e=5');
    expect(calls[0]!.init.credentials).toBe('same-origin');
    expect((calls[0]!.init.headers as Record<string, string>)['x-eventlens-csrf']).toBeUndefined();
  });

  test('state-changing requests carry the CSRF header and a JSON body; 204 is undefined', async () => {
    const { fetch, calls } = recordingFetch(() => new Response(null, { status: 204 }));
    const http = createHttpClient({ fetch });
    expect(await http.request({ method: 'DELETE', path: '/x', action: 'Revoking' })).toBeUndefined();
    await http.request({ method: 'POST', path: '/y', body: { name: 'a' }, action: 'Creating' });
    const headers = calls[1]!.init.headers as Record<string, string>;
    expect(headers['x-eventlens-csrf']).toBe('1');
    expect(headers['Content-Type']).toBe('application/json');
    expect(calls[1]!.init.body).toBe('{"name":"a"}');
    expect((calls[0]!.init.headers as Record<string, string>)['x-eventlens-csrf']).toBe('1');
  });

  test('an error answer becomes an ApiError naming the action, the message, the code and the fields', async () => {
    const { fetch } = recordingFetch(() =>
      json(400, {
        error: {
          code: 'INVALID_FIELD',
          message: 'limit: too big',
          fields: [{ field: 'limit', message: 'too big' }],
        },
      }),
    );
    const http = createHttpClient({ fetch });
    const error = await http
      .request({ method: 'GET', path: '/x', action: 'Loading events' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe(
      'Loading events failed: limit: too big (INVALID_FIELD, HTTP 400)',
    );
    expect((error as ApiError).fields).toEqual([{ field: 'limit', message: 'too big' }]);
  });

  test("the Stats API's Plausible-shaped error, a string naming the field, is the message", async () => {
    const { fetch } = recordingFetch(() => json(400, { error: 'metrics: unknown metric "visitorz"' }));
    const http = createHttpClient({ fetch });
    const error = await http
      .request({ method: 'POST', path: '/api/query/api/v2/query', body: {}, action: 'Loading the KPIs' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: 'HTTP_400',
      detail: 'metrics: unknown metric "visitorz"',
      retryable: false,
    });
    // No code of the server's: the status alone, not a made-up code beside it.
    expect((error as ApiError).message).toBe(
      'Loading the KPIs failed: metrics: unknown metric "visitorz" (HTTP 400)',
    );
  });

  test('retryable: unreachable, 408, 429 and 5xx; not a client error', () => {
    const at = (status: number) => new ApiError(status, 'X', 'x', 'Loading').retryable;
    expect([0, 408, 429, 500, 502, 503].map(at)).toEqual([true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 409, 413, 422].map(at)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  test('a non-JSON error (a proxy page) and an unreachable server still say what failed', async () => {
    const html = createHttpClient({
      fetch: recordingFetch(
        () => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
      ).fetch,
    });
    expect(
      await html
        .request({ method: 'GET', path: '/x', action: 'Loading sessions' })
        .catch((e: Error) => e.message),
    ).toBe('Loading sessions failed: Bad Gateway (HTTP 502)');
    const down = createHttpClient({
      fetch: recordingFetch(() => Promise.reject(new TypeError('fetch failed'))).fetch,
    });
    expect(
      await down
        .request({ method: 'GET', path: '/x', action: 'Loading sessions' })
        .catch((e: Error) => e.message),
    ).toBe('Loading sessions failed: the console server could not be reached');
  });

  test('a 401 calls onUnauthorized, except where a 401 is the answer (login, /me)', async () => {
    const expired: ApiError[] = [];
    const http = createHttpClient({
      fetch: recordingFetch(() => json(401, { error: { code: 'UNAUTHORIZED', message: 'session expired' } }))
        .fetch,
      onUnauthorized: (e) => expired.push(e),
    });
    await http.request({ method: 'GET', path: '/x', action: 'Loading' }).catch(() => undefined);
    await http
      .request({ method: 'POST', path: '/login', action: 'Logging in', unauthorizedIsAnswer: true })
      .catch(() => undefined);
    expect(expired).toHaveLength(1);
  });

  test('buildQuery', () => {
    expect(buildQuery(undefined)).toBe('');
    expect(buildQuery({ a: undefined })).toBe('');
    expect(buildQuery({ cursor: 'a+b/c=' })).toBe('?cursor=a%2Bb%2Fc%3D');
  });
});
