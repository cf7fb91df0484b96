/**
 * Given two projects with read keys and a console user, when callers authenticate with a key, a
 * session or nothing, then each sees exactly what it may and nothing else (invariant 5).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CSRF_HEADER, SESSION_COOKIE } from '@eventlens/contracts';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { insertKey, insertProject, seedTenants, type Tenants } from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';
import { sessionCookie } from '../test-support/session';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;
/**
 * The app's clock: real time plus what the tests skipped, so that a cache's lifetime passes
 * without waiting for it (tokens and session expiry keep following real time).
 */
let skippedMs = 0;
const skip = (ms: number) => {
  skippedMs += ms;
};

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl, { now: () => Date.now() + skippedMs });
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

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

  test('a write key is told it is one, and which key reads', async () => {
    const response = await server.get('/v1/events', { key: t.writeKeyA });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).message).toMatch(/write key \(el_…\).*read key \(elr_…\)/);
  });

  test('an Authorization header is judged alone: a bad key with a good cookie is still a 401', async () => {
    const response = await server.get('/v1/projects', { key: 'elr_nope', cookie: sessionCookie() });
    expect(response.status).toBe(401);
  });

  test('revoking a key takes effect within a second', async () => {
    const { key, keyId } = await insertKey(tdb.owner, t.projectA, 'read');
    expect((await server.get('/v1/events', { key })).status).toBe(200);
    await tdb.owner.query('update admin.api_keys set revoked_at = now() where key_id = $1', [keyId]);
    skip(1000); // the key cache's longest lifetime
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
    skip(1000); // the key cache's longest lifetime, a miss's too
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

describe('me and the active sessions', () => {
  const user = () => ({ user_id: t.user.user_id, email: t.user.email });
  const recordSession = async (
    sid: string,
    options: { startedAt?: Date; expiresAt?: Date; revoked?: boolean; userId?: string; agent?: string } = {},
  ) => {
    const startedAt = options.startedAt ?? new Date();
    await tdb.owner.query(
      `insert into admin.console_sessions (session_id, user_id, started_at, expires_at, user_agent, revoked_at)
       values ($1, $2, $3, $4, $5, $6)`,
      [
        sid,
        options.userId ?? t.user.user_id,
        startedAt,
        options.expiresAt ?? new Date(startedAt.getTime() + 12 * 3600_000),
        options.agent ?? null,
        options.revoked ? new Date() : null,
      ],
    );
  };

  test('me answers the session’s user; without a session, or with a read key, a 401', async () => {
    const me = await server.get('/v1/auth/me', { cookie: sessionCookie(user()) });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ user_id: t.user.user_id, email: t.user.email });
    expect((await server.get('/v1/auth/me')).status).toBe(401);
    expect((await server.get('/v1/auth/me', { key: t.readKeyA })).status).toBe(401);
  });

  test('a session recorded as revoked is a 401 on every console route, within the cache time', async () => {
    const sid = randomUUID();
    await recordSession(sid);
    const cookie = sessionCookie({ ...user(), sid });
    expect((await server.get('/v1/auth/me', { cookie })).status).toBe(200);
    expect((await server.get(`/v1/events?project_id=${t.projectA}`, { cookie })).status).toBe(200);
    await tdb.owner.query('update admin.console_sessions set revoked_at = now() where session_id = $1', [
      sid,
    ]);
    skip(500); // the session cache's longest lifetime
    for (const path of [
      '/v1/auth/me',
      '/v1/auth/sessions',
      `/v1/events?project_id=${t.projectA}`,
      '/v1/projects',
    ]) {
      const response = await server.get(path, { cookie });
      expect(response.status).toBe(401);
      expect((await errorOf(response)).message).toContain('revoked');
    }
    // A revocation recorded before its start (records out of order) is refused as well.
    const early = randomUUID();
    await tdb.owner.query(
      'insert into admin.console_sessions (session_id, user_id, revoked_at) values ($1, $2, now())',
      [early, t.user.user_id],
    );
    expect(
      (await server.get('/v1/auth/me', { cookie: sessionCookie({ ...user(), sid: early }) })).status,
    ).toBe(401);
  });

  test('a session not recorded yet (a login of a moment ago) is accepted', async () => {
    expect((await server.get('/v1/auth/me', { cookie: sessionCookie(user()) })).status).toBe(200);
  });

  test("lists the user's active sessions, newest first, the current one marked", async () => {
    const current = randomUUID();
    const older = randomUUID();
    const now = Date.now();
    await recordSession(current, { startedAt: new Date(now - 1000), agent: 'Firefox' });
    await recordSession(older, { startedAt: new Date(now - 60_000), agent: null as unknown as string });
    await recordSession(randomUUID(), { startedAt: new Date(now - 30_000), revoked: true });
    await recordSession(randomUUID(), {
      startedAt: new Date(now - 13 * 3600_000),
      expiresAt: new Date(now - 3600_000),
    });
    await recordSession(randomUUID(), { userId: randomUUID() });
    const response = await server.get('/v1/auth/sessions', {
      cookie: sessionCookie({ ...user(), sid: current }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: Array<Record<string, unknown>> };
    const listed = body.items.filter((i) => i.session_id === current || i.session_id === older);
    expect(listed).toEqual([
      {
        session_id: current,
        started_at: new Date(now - 1000).toISOString(),
        expires_at: new Date(now - 1000 + 12 * 3600_000).toISOString(),
        user_agent: 'Firefox',
        current: true,
      },
      {
        session_id: older,
        started_at: new Date(now - 60_000).toISOString(),
        expires_at: new Date(now - 60_000 + 12 * 3600_000).toISOString(),
        user_agent: null,
        current: false,
      },
    ]);
    // Only this user's, only active ones (the revoked, expired and foreign ones are left out).
    expect(body.items.filter((i) => i.current)).toHaveLength(1);
    const ids = new Set(body.items.map((i) => i.session_id));
    const { rows } = await tdb.owner.query<{ session_id: string }>(
      `select session_id from admin.console_sessions
        where user_id <> $1 or revoked_at is not null or expires_at <= now()`,
      [t.user.user_id],
    );
    for (const row of rows) expect(ids.has(row.session_id)).toBe(false);
    expect((await server.get('/v1/auth/sessions', { key: t.readKeyA })).status).toBe(401);
  });

  test('login and logout are commands: the query side no longer takes them', async () => {
    const login = await fetch(`${server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CSRF_HEADER]: '1' },
      body: JSON.stringify({ email: t.user.email, password: t.user.password }),
    });
    expect(login.status).toBe(404);
    expect(login.headers.get('set-cookie')).toBeNull();
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
      checks: { postgres: { ok: true, detail: 'ok' } },
    });
  });

  test('readyz is a 503 naming postgres when it does not answer; data routes a 503 with Retry-After', async () => {
    const down = await startServer('postgres://nobody:x@127.0.0.1:1/none', {
      logger: { info() {}, error() {} },
    });
    try {
      const ready = await down.get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('1');
      expect(await ready.json()).toEqual({
        status: 'not ready',
        error: { code: 'NOT_READY', message: 'not ready: postgres (unavailable)' },
        checks: { postgres: { ok: false, detail: 'unavailable' } },
      });
      const data = await down.get('/v1/events', { key: t.readKeyA });
      expect(data.status).toBe(503);
      expect(data.headers.get('retry-after')).toBe('2');
      expect((await errorOf(data)).code).toBe('READ_MODEL_UNAVAILABLE');
    } finally {
      await down.close();
    }
  });

  test.each([
    [
      'a role PostgreSQL does not know (28000, as a refused login)',
      'postgres://eventlens_no_such_role@127.0.0.1:5432/postgres',
    ],
    ['a database that is not there (3D000)', 'postgres://postgres@127.0.0.1:5432/eventlens_no_such_database'],
  ])('a reader PostgreSQL refuses, %s, is a 503 with Retry-After, not a 500', async (_, url) => {
    const refused = await startServer(url, { logger: { info() {}, error() {} } });
    try {
      const data = await refused.get('/v1/event-names', { key: t.readKeyA });
      expect(data.status).toBe(503);
      expect(data.headers.get('retry-after')).toBe('2');
      expect((await errorOf(data)).code).toBe('READ_MODEL_UNAVAILABLE');
    } finally {
      await refused.close();
    }
  });

  test('metrics count requests by route template and status, and show the pool', async () => {
    await server.get(`/v1/events/${t.projectA}`, { key: t.readKeyA }); // a 404 on a templated route
    const text = await (await server.get('/metrics')).text();
    expect(text).toMatch(
      /eventlens_http_requests_total\{route="\/v1\/events\/\{event_id\}",method="GET",status="404"\} \d+/,
    );
    expect(text).toMatch(
      /eventlens_http_requests_total\{route="\/v1\/events",method="GET",status="200"\} \d+/,
    );
    expect(text).toContain('eventlens_http_request_duration_seconds_bucket');
    expect(text).toMatch(/eventlens_query_db_pool_connections\{state="used"\} \d+/);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain(t.projectA); // raw paths never become labels
  });
});
