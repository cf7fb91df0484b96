/**
 * Given two projects with read keys and a console user, when callers authenticate with a key, a
 * session or nothing, then each sees exactly what it may and nothing else (invariant 5).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CSRF_HEADER, SESSION_COOKIE } from '@eventlens/contracts';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { insertKey, insertProject, seedTenants, type Tenants } from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';
import { parseSetCookie, sessionCookie } from '../test-support/session';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl);
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

function login(body: unknown, headers: Record<string, string> = {}, target = server) {
  return fetch(`${target.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CSRF_HEADER]: '1', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function errorOf(response: Response) {
  const body = (await response.json()) as { error: { code: string; message: string; fields?: unknown } };
  return body.error;
}

describe('the reader cannot write', () => {
  test('a write through the app’s pool fails: the sessions are read-only', async () => {
    await expect(
      server.db.raw(
        "insert into admin.projects (project_id, name, created_at) values (gen_random_uuid(), 'x', now())",
      ),
    ).rejects.toMatchObject({ code: '25006' }); // read_only_sql_transaction
  });

  test('and the role itself has no write privilege, even in a read-write transaction', async () => {
    await expect(
      server.db.transaction(async (trx) => {
        await trx.raw('set transaction read write');
        await trx.raw(
          "insert into admin.projects (project_id, name, created_at) values (gen_random_uuid(), 'x', now())",
        );
      }),
    ).rejects.toMatchObject({ code: '42501' }); // insufficient_privilege
    await expect(
      server.db.transaction(async (trx) => {
        await trx.raw('set transaction read write');
        await trx.raw('create table analytics.sneaky (x int)');
      }),
    ).rejects.toMatchObject({ code: '42501' });
  });
});

describe('read keys', () => {
  test('a read key reads its own project', async () => {
    const response = await server.get('/v1/projects', { key: t.readKeyA });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: Array<{ project_id: string }> };
    expect(body.items.map((p) => p.project_id)).toEqual([t.projectA]);
  });

  test.each([
    ['no credentials', {}],
    ['an unknown key', { key: 'elr_thisKeyDoesNotExistAnywhere000000' }],
    ['a revoked key', { key: 'REVOKED' }],
    ['a write key', { key: 'WRITE' }],
    ['a Basic header', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }],
    ['an empty bearer', { headers: { authorization: 'Bearer ' } }],
    ['a forged cookie', { cookie: `${SESSION_COOKIE}=abc.def` }],
  ])(
    '%s is a 401',
    async (_name, init: { key?: string; headers?: Record<string, string>; cookie?: string }) => {
      const key = init.key === 'REVOKED' ? t.revokedKeyA : init.key === 'WRITE' ? t.writeKeyA : init.key;
      const response = await server.get('/v1/events', { ...init, ...(key !== undefined ? { key } : {}) });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
      expect((await errorOf(response)).code).toBe('UNAUTHORIZED');
    },
  );

  test('an Authorization header is judged alone: a bad key with a good cookie is still a 401', async () => {
    const response = await server.get('/v1/projects', { key: 'elr_nope', cookie: sessionCookie() });
    expect(response.status).toBe(401);
  });

  test('revoking a key takes effect within a second', async () => {
    const { key, keyId } = await insertKey(tdb.owner, t.projectA, 'read');
    expect((await server.get('/v1/events', { key })).status).toBe(200);
    await tdb.owner.query('update admin.api_keys set revoked_at = now() where key_id = $1', [keyId]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await server.get('/v1/events', { key })).status).toBe(401);
  });

  test('a new key works within a second, even after it was tried unknown', async () => {
    const probe = 'elr_issuedRightAfterAMiss000000000000';
    expect((await server.get('/v1/events', { key: probe })).status).toBe(401);
    const { hashApiKey } = await import('@eventlens/contracts');
    await tdb.owner.query(
      `insert into admin.api_keys (key_id, project_id, kind, name, key_hash, key_prefix, issued_at)
       values (gen_random_uuid(), $1, 'read', 'late', $2, 'elr_issued', now())`,
      [t.projectA, hashApiKey(probe)],
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await server.get('/v1/events', { key: probe })).status).toBe(200);
  });

  test("a key naming another project's id answers 404, by query or by header", async () => {
    expect((await server.get(`/v1/events?project_id=${t.projectB}`, { key: t.readKeyA })).status).toBe(404);
    const viaHeader = await server.get('/v1/events', {
      key: t.readKeyA,
      headers: { 'x-eventlens-project': t.projectB },
    });
    expect(viaHeader.status).toBe(404);
    expect((await errorOf(viaHeader)).code).toBe('NOT_FOUND');
    expect((await server.get(`/v1/events?project_id=${t.projectA}`, { key: t.readKeyA })).status).toBe(200);
  });
});

describe('console sessions', () => {
  test('a session reads any existing project, named by query or header', async () => {
    const cookie = sessionCookie();
    expect((await server.get(`/v1/events?project_id=${t.projectA}`, { cookie })).status).toBe(200);
    expect(
      (await server.get('/v1/events', { cookie, headers: { 'x-eventlens-project': t.projectB } })).status,
    ).toBe(200);
  });

  test('a session without a project is a 400 naming project_id', async () => {
    const response = await server.get('/v1/events', { cookie: sessionCookie() });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields).toEqual([
      { field: 'project_id', message: expect.stringContaining('required with a console session') },
    ]);
  });

  test('a session for a project that does not exist is a 404', async () => {
    const response = await server.get('/v1/events?project_id=00000000-0000-4000-8000-000000000000', {
      cookie: sessionCookie(),
    });
    expect(response.status).toBe(404);
    const viaHeader = await server.get('/v1/stats/overview', {
      cookie: sessionCookie(),
      headers: { 'x-eventlens-project': '00000000-0000-4000-8000-000000000000' },
    });
    expect(viaHeader.status).toBe(404);
  });

  test('a malformed project id is a 400; a query and header that disagree are a 400', async () => {
    const cookie = sessionCookie();
    const bad = await server.get('/v1/events', {
      cookie,
      headers: { 'x-eventlens-project': "'; drop table x" },
    });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).fields).toEqual([{ field: 'project_id', message: expect.any(String) }]);
    const disagree = await server.get(`/v1/events?project_id=${t.projectA}`, {
      cookie,
      headers: { 'x-eventlens-project': t.projectB },
    });
    expect(disagree.status).toBe(400);
  });

  test('an expired session is a 401', async () => {
    const cookie = sessionCookie(undefined, Date.now() - 13 * 3600 * 1000);
    expect((await server.get(`/v1/events?project_id=${t.projectA}`, { cookie })).status).toBe(401);
  });

  test('a session lists every project; a read key only its own', async () => {
    const extra = await insertProject(tdb.owner, 'Project C', new Date('2024-01-03T00:00:00Z'));
    const all = (await (await server.get('/v1/projects', { cookie: sessionCookie() })).json()) as {
      items: Array<{ project_id: string; name: string }>;
    };
    expect(all.items.map((p) => p.project_id)).toEqual([t.projectA, t.projectB, extra]);
    const own = (await (await server.get('/v1/projects', { key: t.readKeyB })).json()) as {
      items: Array<{ project_id: string }>;
    };
    expect(own.items.map((p) => p.project_id)).toEqual([t.projectB]);
  });

  test("a project's keys: console only, never a hash or a key", async () => {
    const response = await server.get(`/v1/projects/${t.projectA}/keys`, { cookie: sessionCookie() });
    expect(response.status).toBe(200);
    const text = await response.text();
    const body = JSON.parse(text) as { items: Array<Record<string, unknown>> };
    expect(body.items.length).toBeGreaterThanOrEqual(3);
    for (const item of body.items) {
      expect(Object.keys(item).sort()).toEqual([
        'issued_at',
        'key_id',
        'key_prefix',
        'kind',
        'name',
        'revoked_at',
      ]);
    }
    expect(body.items.find((k) => k.key_id === t.keyIds.revokedA)?.revoked_at).toEqual(expect.any(String));
    expect(body.items.some((k) => k.key_id === t.keyIds.readB)).toBe(false);
    expect(text).not.toContain(t.readKeyA);
    expect(text).not.toMatch(/[0-9a-f]{64}/); // no SHA-256 hex

    expect((await server.get(`/v1/projects/${t.projectA}/keys`, { key: t.readKeyA })).status).toBe(401);
    expect(
      (
        await server.get('/v1/projects/00000000-0000-4000-8000-000000000000/keys', {
          cookie: sessionCookie(),
        })
      ).status,
    ).toBe(404);
    expect((await server.get('/v1/projects/not-a-uuid/keys', { cookie: sessionCookie() })).status).toBe(400);
  });
});

describe('login, me, logout', () => {
  test('login sets an httpOnly, SameSite=Strict session cookie that me and the data routes accept', async () => {
    const response = await login({ email: t.user.email, password: t.user.password });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user_id: t.user.user_id, email: t.user.email });
    const cookie = parseSetCookie(response.headers.get('set-cookie'))!;
    expect(cookie.pair.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    expect(cookie.attributes).toEqual(
      expect.arrayContaining([
        'httponly',
        'samesite=strict',
        'path=/',
        expect.stringMatching(/^max-age=43200$/),
      ]),
    );
    expect(cookie.attributes).not.toContain('secure'); // plain http, no proxy saying otherwise

    const me = await server.get('/v1/auth/me', { cookie: cookie.pair });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ user_id: t.user.user_id, email: t.user.email });
    expect((await server.get(`/v1/events?project_id=${t.projectB}`, { cookie: cookie.pair })).status).toBe(
      200,
    );
  });

  test('the email is case-insensitive', async () => {
    const response = await login({ email: t.user.email.toUpperCase(), password: t.user.password });
    expect(response.status).toBe(200);
  });

  test('me without a session, or with a read key, is a 401', async () => {
    expect((await server.get('/v1/auth/me')).status).toBe(401);
    expect((await server.get('/v1/auth/me', { key: t.readKeyA })).status).toBe(401);
  });

  test('logout clears the cookie', async () => {
    const response = await fetch(`${server.url}/v1/auth/logout`, {
      method: 'POST',
      headers: { [CSRF_HEADER]: '1', cookie: sessionCookie() },
    });
    expect(response.status).toBe(204);
    const cookie = parseSetCookie(response.headers.get('set-cookie'))!;
    expect(cookie.pair).toBe(`${SESSION_COOKIE}=`);
    expect(cookie.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']));
    expect(cookie.attributes.some((a) => a.startsWith('expires=thu, 01 jan 1970'))).toBe(true);
  });

  test('login and logout need the CSRF header', async () => {
    const response = await login({ email: t.user.email, password: t.user.password }, { [CSRF_HEADER]: '' });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields).toEqual([{ field: CSRF_HEADER, message: expect.any(String) }]);
    const logout = await fetch(`${server.url}/v1/auth/logout`, { method: 'POST' });
    expect(logout.status).toBe(400);
  });

  test.each([
    ['a wrong password', { email: 'admin@example.test', password: 'not the password' }, 401, 'UNAUTHORIZED'],
    ['an unknown email', { email: 'nobody@example.test', password: 'whatever12345' }, 401, 'UNAUTHORIZED'],
    ['a missing password', { email: 'admin@example.test' }, 400, 'INVALID_FIELD'],
    ['an unknown field', { email: 'a@b.c', password: 'x', admin: true }, 400, 'INVALID_FIELD'],
    ['a number for email', { email: 5, password: 'x' }, 400, 'INVALID_FIELD'],
    ['an array body', [], 400, 'INVALID_FIELD'],
    ['broken JSON', '{"email": ', 400, 'INVALID_JSON'],
  ])('%s: %i %s', async (_name, body, status, code) => {
    const response = await login(body);
    expect(response.status).toBe(status);
    expect((await errorOf(response)).code).toBe(code);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  test('a body that is not JSON is a 415; a huge one a 413', async () => {
    const form = await fetch(`${server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', [CSRF_HEADER]: '1' },
      body: 'email=a&password=b',
    });
    expect(form.status).toBe(415);
    expect((await errorOf(form)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const huge = await login({ email: 'a@b.c', password: 'x'.repeat(100_000) });
    expect(huge.status).toBe(413);
    expect((await errorOf(huge)).code).toBe('PAYLOAD_TOO_LARGE');
  });

  test('the cookie is Secure when configured, or behind an https proxy', async () => {
    const always = await startServer(tdb.readerUrl, { cookieSecure: 'always' });
    const proxied = await startServer(tdb.readerUrl);
    try {
      const a = await login({ email: t.user.email, password: t.user.password }, {}, always);
      expect(parseSetCookie(a.headers.get('set-cookie'))!.attributes).toContain('secure');
      // The test client is on loopback, which `trust proxy` trusts by default.
      const p = await login(
        { email: t.user.email, password: t.user.password },
        { 'x-forwarded-proto': 'https' },
        proxied,
      );
      expect(parseSetCookie(p.headers.get('set-cookie'))!.attributes).toContain('secure');
    } finally {
      await always.close();
      await proxied.close();
    }
  });

  test('failed logins are throttled per email, then per address, with Retry-After', async () => {
    const throttled = await startServer(tdb.readerUrl, {
      loginThrottle: { maxPerEmail: 3, maxPerAddress: 6 },
    });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await login({ email: t.user.email, password: 'wrong password' }, {}, throttled)).status).toBe(
          401,
        );
      }
      // Locked: even the right password waits.
      const locked = await login({ email: t.user.email, password: t.user.password }, {}, throttled);
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await errorOf(locked)).code).toBe('RATE_LIMITED');

      for (let i = 0; i < 3; i++) {
        expect(
          (await login({ email: `other${i}@example.test`, password: 'nope' }, {}, throttled)).status,
        ).toBe(401);
      }
      const byAddress = await login({ email: 'fresh@example.test', password: 'nope' }, {}, throttled);
      expect(byAddress.status).toBe(429);
    } finally {
      await throttled.close();
    }
  });
});

describe('CORS', () => {
  test('read-key requests are allowed from any origin, without credentials', async () => {
    const response = await server.get('/v1/events', {
      key: t.readKeyA,
      headers: { origin: 'https://elsewhere.example' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  test('cookie requests get no CORS headers', async () => {
    const response = await server.get(`/v1/events?project_id=${t.projectA}`, {
      cookie: sessionCookie(),
      headers: { origin: 'https://elsewhere.example' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('preflight: Authorization on GET is allowed; other headers and the auth routes are not', async () => {
    const preflight = (path: string, headers: string, method = 'GET') =>
      fetch(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://elsewhere.example',
          'access-control-request-method': method,
          'access-control-request-headers': headers,
        },
      });
    const ok = await preflight('/v1/events', 'authorization');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    expect(ok.headers.get('access-control-allow-headers')).toBe('Authorization');
    expect(
      (await preflight('/v1/events', 'authorization, x-eventlens-project')).headers.get(
        'access-control-allow-origin',
      ),
    ).toBeNull();
    expect(
      (await preflight('/v1/auth/login', 'content-type', 'POST')).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });
});

describe('health and metrics', () => {
  test('healthz and readyz', async () => {
    expect(await (await server.get('/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await server.get('/readyz')).json()).toEqual({
      status: 'ready',
      checks: { postgres: 'ok' },
    });
  });

  test('readyz is a 503 naming postgres when it does not answer; data routes a 503 with Retry-After', async () => {
    const down = await startServer('postgres://nobody:x@127.0.0.1:1/none', {
      logger: { info() {}, error() {} },
    });
    try {
      const ready = await down.get('/readyz');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'not_ready', checks: { postgres: 'unavailable' } });
      const data = await down.get('/v1/events', { key: t.readKeyA });
      expect(data.status).toBe(503);
      expect(data.headers.get('retry-after')).toBe('2');
      expect((await errorOf(data)).code).toBe('READ_MODEL_UNAVAILABLE');
    } finally {
      await down.close();
    }
  });

  test('metrics count requests by route template and status, and show the pool', async () => {
    await server.get(`/v1/events/${t.projectA}`, { key: t.readKeyA }); // a 404 on a templated route
    const text = await (await server.get('/metrics')).text();
    expect(text).toMatch(
      /eventlens_query_http_requests_total\{route="\/v1\/events\/\{event_id\}",method="GET",status="404"\} \d+/,
    );
    expect(text).toMatch(
      /eventlens_query_http_requests_total\{route="\/v1\/events",method="GET",status="200"\} \d+/,
    );
    expect(text).toContain('eventlens_query_http_request_duration_seconds_bucket');
    expect(text).toMatch(/eventlens_query_db_pool_connections\{state="used"\} \d+/);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain(t.projectA); // raw paths never become labels
  });
});
