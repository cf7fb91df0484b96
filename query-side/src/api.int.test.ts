/**
 * The API as a whole: the OpenAPI document lists every route with its parameters, every project
 * route keeps projects apart, and no bad input — wrong types, huge strings, SQL or HTML in any
 * parameter, unknown parameters, bad dates, negative limits — gets anything but a clear 400.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from './test-support/database';
import { insertEvents, seedTenants, type Tenants } from './test-support/fixtures';
import { startServer, type TestServer } from './test-support/server';
import { sessionCookie } from './test-support/session';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;
let eventB: string | undefined;
let doc: OpenApiDoc;

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required?: boolean;
  schema: Record<string, unknown>;
}
interface Operation {
  parameters?: Parameter[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  security?: unknown[];
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

const NOW = Date.now();
const SESSION_B = 'session-of-b';

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl);
  doc = (await (await server.get('/v1/openapi.json')).json()) as OpenApiDoc;

  // Data in project B only: A must see none of it, anywhere.
  const B = t.projectB;
  const ts = new Date(NOW - 3600_000);
  [eventB] = await insertEvents(tdb.owner, [
    {
      project_id: B,
      event_name: 'b_event',
      session_id: SESSION_B,
      user_id: 'b-user',
      ts,
      url: 'https://b.example/x',
    },
  ]);
  const q = (sql: string, values: unknown[]) => tdb.owner.query(sql, values);
  await q(
    "insert into analytics.sessions (project_id, session_id, user_id, first_seen, last_seen, event_count) values ($1, $2, 'b-user', $3, $3, 1)",
    [B, SESSION_B, ts],
  );
  await q('insert into analytics.page_views_hour values ($1, $2, $3, $4)', [
    B,
    new Date(NOW - 3600_000 - (NOW % 3600_000)),
    '/b',
    1,
  ]);
  await q('insert into analytics.daily_users values ($1, current_date, $2)', [B, 'b-user']);
  await q('insert into analytics.event_names values ($1, $2, 1, $3)', [B, 'b_event', ts]);
  await q('insert into analytics.bot_events_day values ($1, current_date, 1)', [B]);
  await q(
    `insert into ops.dlq_records (projection, dlq_partition, dlq_offset, project_id, original_topic, original_partition,
       original_offset, error_code, error_message, attempts, failed_at) values ('analytics', 0, 1, $1, 'eventlens.events', 0, 1, 'E', 'm', 1, now())`,
    [B],
  );
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

/** Every route, with its path parameters filled in for project B's data. */
const ROUTES: Record<string, { method: string; path: () => string }> = {
  'GET /v1/auth/me': { method: 'GET', path: () => '/v1/auth/me' },
  'GET /v1/auth/sessions': { method: 'GET', path: () => '/v1/auth/sessions' },
  'GET /v1/projects': { method: 'GET', path: () => '/v1/projects' },
  'GET /v1/projects/{project_id}/keys': { method: 'GET', path: () => `/v1/projects/${t.projectB}/keys` },
  'GET /v1/projects/{project_id}/public-links': {
    method: 'GET',
    path: () => `/v1/projects/${t.projectB}/public-links`,
  },
  'POST /v1/share/session': { method: 'POST', path: () => '/v1/share/session' },
  'GET /v1/projects/{project_id}/settings': {
    method: 'GET',
    path: () => `/v1/projects/${t.projectB}/settings`,
  },
  'GET /v1/projects/{project_id}/time-zone': {
    method: 'GET',
    path: () => `/v1/projects/${t.projectB}/time-zone`,
  },
  'GET /v1/events': { method: 'GET', path: () => '/v1/events' },
  'GET /v1/events/{event_id}': { method: 'GET', path: () => `/v1/events/${eventB}` },
  'GET /v1/events.csv': { method: 'GET', path: () => '/v1/events.csv' },
  'GET /v1/stats/overview': { method: 'GET', path: () => '/v1/stats/overview' },
  'GET /v1/stats/not-counted': { method: 'GET', path: () => '/v1/stats/not-counted' },
  'GET /v1/stats/volume': { method: 'GET', path: () => '/v1/stats/volume' },
  'GET /v1/stats/top-events': { method: 'GET', path: () => '/v1/stats/top-events' },
  'GET /v1/stats/top-pages': { method: 'GET', path: () => '/v1/stats/top-pages' },
  'GET /v1/event-names': { method: 'GET', path: () => '/v1/event-names' },
  'GET /v1/sessions': { method: 'GET', path: () => '/v1/sessions' },
  'GET /v1/sessions/{session_id}': { method: 'GET', path: () => `/v1/sessions/${SESSION_B}` },
  'GET /v1/pipeline': { method: 'GET', path: () => '/v1/pipeline' },
  'GET /v1/contracts': { method: 'GET', path: () => '/v1/contracts' },
  'GET /v1/dlq': { method: 'GET', path: () => '/v1/dlq' },
  'GET /healthz': { method: 'GET', path: () => '/healthz' },
  'GET /readyz': { method: 'GET', path: () => '/readyz' },
  'GET /metrics': { method: 'GET', path: () => '/metrics' },
  'GET /v1/openapi.json': { method: 'GET', path: () => '/v1/openapi.json' },
  'POST /api/v2/query': { method: 'POST', path: () => '/api/v2/query' },
  'POST /api/v2/funnel': { method: 'POST', path: () => '/api/v2/funnel' },
};

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path}`,
      path,
      method,
      op,
    })),
  );

describe('the OpenAPI document', () => {
  test('is OpenAPI 3 and lists exactly the routes the server has', () => {
    expect(doc.openapi).toBe('3.0.3');
    expect(
      operations()
        .map((o) => o.key)
        .sort(),
    ).toEqual(Object.keys(ROUTES).sort());
  });

  test('every documented route is served (none falls through to "no such route")', async () => {
    for (const { key } of operations()) {
      const route = ROUTES[key]!;
      const response = await fetch(`${server.url}${route.path()}`, { method: route.method });
      const text = await response.text();
      expect(text, key).not.toContain('no such route');
    }
    const unknown = await server.get('/v1/nope', { key: t.readKeyA });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such route' } });
  });

  test('a method a documented path does not take is a 405 whose Allow lists the documented ones', async () => {
    const byPath = new Map<string, string[]>();
    for (const { path, method } of operations()) {
      byPath.set(path, [...(byPath.get(path) ?? []), method.toUpperCase()]);
    }
    for (const [path, documented] of byPath) {
      const allowed = [...documented, ...(documented.includes('GET') ? ['HEAD'] : [])].sort();
      const method = documented.includes('DELETE') ? 'PUT' : 'DELETE';
      const concrete = ROUTES[`${documented[0]} ${path}`]!.path();
      const response = await fetch(`${server.url}${concrete}`, { method });
      expect(response.status, path).toBe(405);
      expect(response.headers.get('allow'), path).toBe(allowed.join(', '));
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code, path).toBe('METHOD_NOT_ALLOWED');
      expect(body.error.message, path).toMatch(new RegExp(`^${method} is not allowed on \\S+; use [A-Z]`));
    }
    const statsApi = await fetch(`${server.url}/api/v2/query`);
    expect(statsApi.status).toBe(405);
    expect(statsApi.headers.get('allow')).toBe('POST');
    expect(await statsApi.json()).toEqual({
      error: { code: 'METHOD_NOT_ALLOWED', message: 'GET is not allowed on /api/v2/query; use POST' },
    });
    const events = await fetch(`${server.url}/v1/events`, { method: 'DELETE' });
    expect(await events.json()).toEqual({
      error: { code: 'METHOD_NOT_ALLOWED', message: 'DELETE is not allowed on /v1/events; use GET' },
    });
  });

  test('OPTIONS answers as before: the CORS preflight, Express’s own Allow, 404 off the routers', async () => {
    const preflight = await fetch(`${server.url}/v1/events`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://elsewhere.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    const statsApi = await fetch(`${server.url}/api/v2/query`, { method: 'OPTIONS' });
    expect([statsApi.status, statsApi.headers.get('allow'), await statsApi.text()]).toEqual([
      200,
      'POST',
      'POST',
    ]);
    const health = await fetch(`${server.url}/healthz`, { method: 'OPTIONS' });
    expect(health.status).toBe(404);
    expect(await health.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such route' } });
  });

  test('CORS: read-key requests from any origin, GET on the read routes and POST with JSON on the Stats API; never cookies', async () => {
    const origin = 'https://elsewhere.example';
    const preflight = (path: string, method: string, headers: string) =>
      fetch(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': method,
          'access-control-request-headers': headers,
        },
      });
    for (const path of ['/api/v2/query', '/api/v2/funnel']) {
      const allowed = await preflight(path, 'POST', 'authorization,content-type');
      expect(allowed.status).toBe(204);
      expect(
        Object.fromEntries([...allowed.headers].filter(([h]) => h.startsWith('access-control-'))),
      ).toEqual({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'Authorization, Content-Type',
        'access-control-max-age': '600',
      });
      // Another header, or GET, is refused by omission.
      for (const refused of [
        await preflight(path, 'POST', 'authorization,x-other'),
        await preflight(path, 'GET', ''),
      ])
        expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
    // A read route's preflight may not ask for a body's type: it takes GET alone.
    expect(
      (await preflight('/v1/events', 'GET', 'authorization,content-type')).headers.get(
        'access-control-allow-origin',
      ),
    ).toBeNull();
    const query = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/v2/query`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ site_id: t.projectB, metrics: ['events'], date_range: 'day' }),
      });
    const withKey = await query({ authorization: `Bearer ${t.readKeyB}` });
    expect(withKey.status).toBe(200);
    expect(withKey.headers.get('access-control-allow-origin')).toBe('*');
    // A cookie is never allowed cross-origin: no header, so the browser keeps the answer from the page.
    const withCookie = await query({ cookie: 'eventlens_session=x' });
    expect(withCookie.headers.get('access-control-allow-origin')).toBeNull();
    const auth = await preflight('/v1/auth/me', 'GET', 'authorization');
    expect(auth.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('documents each route’s parameters from the schemas that validate them', () => {
    const params = (key: string) => {
      const op = operations().find((o) => o.key === key)!.op;
      return (op.parameters ?? []).map((p) => `${p.in}:${p.name}${p.required ? '!' : ''}`).sort();
    };
    const project = ['query:project_id', 'header:x-eventlens-project'];
    expect(params('GET /v1/events')).toEqual(
      [
        'query:cursor',
        'query:limit',
        'query:event_name',
        'query:user_id',
        'query:session_id',
        'query:from',
        'query:to',
        'query:filters',
        'query:counted',
        ...project,
      ].sort(),
    );
    expect(params('GET /v1/events/{event_id}')).toEqual(['path:event_id!', ...project].sort());
    expect(params('GET /v1/stats/overview')).toEqual(['query:from', 'query:to', ...project].sort());
    expect(params('GET /v1/stats/volume')).toEqual(
      [
        'query:from',
        'query:to',
        'query:interval',
        'query:event_name',
        'query:breakdown',
        'query:top',
        ...project,
      ].sort(),
    );
    expect(params('GET /v1/stats/top-events')).toEqual(
      ['query:from', 'query:to', 'query:limit', ...project].sort(),
    );
    expect(params('GET /v1/stats/top-pages')).toEqual(
      ['query:from', 'query:to', 'query:limit', ...project].sort(),
    );
    expect(params('GET /v1/event-names')).toEqual(['query:prefix', 'query:limit', ...project].sort());
    expect(params('GET /v1/sessions')).toEqual(
      ['query:cursor', 'query:limit', 'query:from', 'query:to', 'query:user_id', ...project].sort(),
    );
    expect(params('GET /v1/sessions/{session_id}')).toEqual(
      ['path:session_id!', 'query:cursor', 'query:limit', ...project].sort(),
    );
    expect(params('GET /v1/dlq')).toEqual(
      ['query:projection', 'query:cursor', 'query:limit', ...project].sort(),
    );
    expect(params('GET /v1/projects/{project_id}/keys')).toEqual(['path:project_id!']);
    expect(params('GET /v1/projects')).toEqual([]);
    expect(params('GET /v1/pipeline')).toEqual(['query:minutes']);

    const limit = operations()
      .find((o) => o.key === 'GET /v1/events')!
      .op.parameters!.find((p) => p.name === 'limit')!;
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 200, default: 50 });
  });

  test('documents success and error responses, and every $ref resolves', () => {
    for (const { key, op } of operations()) {
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => s.startsWith('2')),
        key,
      ).toBe(true);
      if (key.startsWith('GET /v1/') && !['GET /v1/openapi.json'].includes(key)) {
        expect(statuses, key).toContain('401');
        expect(statuses, key).toContain('503');
      }
    }
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(Object.keys(doc.components.schemas), ref).toContain(ref);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['readKey', 'session', 'share']);
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'Event',
        'EventsPage',
        'Session',
        'SessionDetail',
        'Overview',
        'Volume',
        'Pipeline',
        'DlqRecord',
        'Error',
      ]),
    );
  });
});

describe('tenancy on every route', () => {
  /** What project A's key (and a session reading A) gets for each route, given data only in B. */
  const expectations: Record<string, (response: Response) => Promise<void>> = {
    'GET /v1/projects': async (r) => {
      const body = (await r.json()) as { items: Array<{ project_id: string }> };
      expect(body.items.map((p) => p.project_id)).not.toContain(t.projectB);
    },
    'GET /v1/events': async (r) => expect(await r.json()).toEqual({ items: [], next_cursor: null }),
    'GET /v1/events/{event_id}': async (r) => expect(r.status).toBe(404),
    'GET /v1/events.csv': async (r) =>
      expect((await r.text()).split('\r\n')).toEqual([expect.stringMatching(/^event_id,/), '']),
    'GET /v1/stats/overview': async (r) =>
      expect(await r.json()).toMatchObject({ events: 0, unique_users: 0, sessions: 0, page_views: 0 }),
    'GET /v1/stats/not-counted': async (r) =>
      expect(await r.json()).toMatchObject({ bot_events: 0, excluded_events: 0 }),
    'GET /v1/stats/volume': async (r) => {
      const body = (await r.json()) as { buckets: Array<{ count: number }> };
      expect(body.buckets.every((b) => b.count === 0)).toBe(true);
    },
    'GET /v1/stats/top-events': async (r) => expect(((await r.json()) as { items: [] }).items).toEqual([]),
    'GET /v1/stats/top-pages': async (r) => expect(((await r.json()) as { items: [] }).items).toEqual([]),
    'GET /v1/event-names': async (r) => expect(((await r.json()) as { items: [] }).items).toEqual([]),
    'GET /v1/sessions': async (r) => expect(await r.json()).toEqual({ items: [], next_cursor: null }),
    'GET /v1/sessions/{session_id}': async (r) => expect(r.status).toBe(404),
    'GET /v1/dlq': async (r) => expect(await r.json()).toEqual({ items: [], next_cursor: null }),
  };
  /** Routes without project data, and why they need no isolation check here. */
  const exempt: Record<string, string> = {
    'GET /v1/auth/me': 'the caller’s own user',
    'GET /v1/auth/sessions': 'the caller’s own console sessions, no project',
    'GET /v1/projects/{project_id}/keys':
      'console sessions only (admins of the install); read keys get 401, tested below',
    'GET /v1/projects/{project_id}/public-links':
      'console sessions only (admins of the install); read keys get 401, and grants 403: auth/share.int.test.ts',
    'POST /v1/share/session':
      'public: a link token names its project; exchanges and what a grant reads in auth/share.int.test.ts',
    'GET /v1/projects/{project_id}/settings':
      'the path names the project (any for a session); another project’s for a read key is a 404: stats/settings.int.test.ts',
    'GET /v1/projects/{project_id}/time-zone':
      'the path names the project (any for a session); another project’s for a read key is a 404 (stats/settings.int.test.ts), for a grant too (auth/share.int.test.ts)',
    'GET /v1/pipeline': 'install-wide operational status, no per-project rows',
    'GET /v1/contracts': 'install-wide contracts and record counts, no per-project rows',
    'GET /healthz': 'public',
    'GET /readyz': 'public',
    'GET /metrics': 'public',
    'GET /v1/openapi.json': 'public',
    'POST /api/v2/query':
      'a POST naming its project in the body (site_id): tenancy in stats/stats-api.int.test.ts',
    'POST /api/v2/funnel':
      'a POST naming its project in the body (site_id): tenancy in stats/stats-compare-funnel.int.test.ts',
  };

  test('every route is either checked or exempt with a reason', () => {
    expect([...Object.keys(expectations), ...Object.keys(exempt)].sort()).toEqual(
      operations()
        .map((o) => o.key)
        .sort(),
    );
  });

  test.each(Object.keys(expectations))("%s: project A's key sees none of B's data", async (key) => {
    const response = await server.get(ROUTES[key]!.path(), { key: t.readKeyA });
    expect([200, 404]).toContain(response.status);
    await expectations[key]!(response);
  });

  test.each(Object.keys(expectations).filter((k) => k !== 'GET /v1/projects'))(
    "%s: a session reading A sees none of B's data",
    async (key) => {
      const response = await server.get(ROUTES[key]!.path(), {
        cookie: sessionCookie(),
        headers: { 'x-eventlens-project': t.projectA },
      });
      await expectations[key]!(response);
    },
  );

  test.each(Object.keys(expectations))(
    "%s: B's key does see B's data (the checks are not vacuous)",
    async (key) => {
      const response = await server.get(ROUTES[key]!.path(), { key: t.readKeyB });
      expect(response.status).toBe(200);
      const text = await response.text();
      if (key === 'GET /v1/stats/not-counted') {
        expect(text).toMatch(/"bot_events":1/);
      } else if (key !== 'GET /v1/stats/overview' && key !== 'GET /v1/stats/volume') {
        expect(text).toMatch(/b_event|\/b|session-of-b|Project B|"analytics"/);
      } else {
        expect(text).toMatch(/"(events|count)":1/);
      }
    },
  );

  test('A’s key on B’s keys route is a 401 (console only), and naming B is a 404 everywhere', async () => {
    expect((await server.get(`/v1/projects/${t.projectB}/keys`, { key: t.readKeyA })).status).toBe(401);
    for (const key of Object.keys(expectations).filter((k) => k !== 'GET /v1/projects')) {
      const response = await server.get(`${ROUTES[key]!.path()}?project_id=${t.projectB}`, {
        key: t.readKeyA,
      });
      expect(response.status, key).toBe(404);
    }
  });
});

describe('bad input', () => {
  /** Percent-encoded, so that values a string cannot hold as valid UTF-16 can be sent too. */
  const hostile = [
    '%ED%A0%80', // a lone surrogate as (invalid) UTF-8
    '%FF%FE', // not UTF-8 at all
    ...[
      "' OR 1=1 --",
      "'; drop table analytics.events; --",
      '<script>alert(1)</script>',
      '"><img src=x onerror=alert(1)>',
      'x'.repeat(5000),
      '-1',
      '1e309',
      'NaN',
      '[object Object]',
      '%',
      '\u0000',
      '../../etc/passwd',
      '{"$gt":""}',
    ].map(encodeURIComponent),
  ];

  const getRoutes = () =>
    operations().filter(
      (o) => o.method === 'get' && o.path.startsWith('/v1/') && o.key !== 'GET /v1/openapi.json',
    );

  test('SQL, HTML, huge and odd strings in every query parameter of every route: never a 5xx or a stack', async () => {
    let calls = 0;
    for (const { key, op } of getRoutes()) {
      const names = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      for (const name of names) {
        for (const value of hostile) {
          const url = `${ROUTES[key]!.path()}?${name}=${value}`;
          const response = await server.get(
            url,
            key.includes('/keys') ? { cookie: sessionCookie() } : { key: t.readKeyA },
          );
          const text = await response.text();
          calls++;
          expect([200, 400, 404], `${url} → ${response.status} ${text.slice(0, 200)}`).toContain(
            response.status,
          );
          // The media type the document gives for this status (JSON, or the CSV export's text/csv).
          const documented = Object.keys(op.responses[String(response.status)]?.content ?? {})[0];
          expect(response.headers.get('content-type')).toContain(documented ?? 'application/json');
          expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
          if (response.status === 400) {
            const body = JSON.parse(text) as { error: { code: string; fields: Array<{ field: string }> } };
            expect(body.error.code).toBe('INVALID_FIELD');
            expect(
              body.error.fields.map((f) => f.field),
              url,
            ).toContain(name);
          }
        }
      }
    }
    expect(calls).toBeGreaterThan(400);
  });

  test('a query parameter that is not UTF-8, or a stray %, is a 400 naming it: never read as U+FFFD', async () => {
    for (const { key, op } of getRoutes()) {
      const name = (op.parameters ?? []).find((p) => p.in === 'query')?.name;
      if (name === undefined) continue;
      for (const value of ['%FF', '%ED%A0%80', 'a%', '%E0%A4%A']) {
        const response = await server.get(
          `${ROUTES[key]!.path()}?${name}=${value}`,
          key.includes('/keys') ? { cookie: sessionCookie() } : { key: t.readKeyA },
        );
        const body = (await response.json()) as { error: { code: string; fields: Array<{ field: string }> } };
        expect(response.status, `${key} ${name}=${value}`).toBe(400);
        expect(body.error.fields).toEqual([
          { field: name, message: expect.stringMatching(/percent-encoding/) },
        ]);
      }
    }
  });

  test('a filter value with a lone surrogate or NUL is a 400 naming the value; a Stats body repeating a key is refused', async () => {
    const path = ROUTES['GET /v1/events']!.path();
    for (const [value, message] of [
      ['x\udfffy', /surrogate/],
      ['a\u0000', /NUL/],
    ] as const) {
      // JSON.stringify writes both as escapes (\udfff, \u0000): the query string itself is valid.
      const filters = encodeURIComponent(JSON.stringify([['is', 'event:name', [value]]]));
      const response = await server.get(`${path}?filters=${filters}`, { key: t.readKeyA });
      const body = (await response.json()) as {
        error: { fields: Array<{ field: string; message: string }> };
      };
      expect(response.status, JSON.stringify(value)).toBe(400);
      expect(body.error.fields).toEqual([
        { field: 'filters[0][2][0]', message: expect.stringMatching(message) },
      ]);
    }
    const repeated = await fetch(`${server.url}/api/v2/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.readKeyA}`, 'content-type': 'application/json' },
      body: `{"site_id":"${t.projectA}","metrics":["visitors"],"date_range":"day","metrics":["events"]}`,
    });
    expect(repeated.status).toBe(400);
    expect(JSON.stringify(await repeated.json())).toMatch(/repeats the key \\"metrics\\"/);
  });

  test('hostile path parameters', async () => {
    for (const [key, template] of [
      ['GET /v1/events/{event_id}', '/v1/events/'],
      ['GET /v1/sessions/{session_id}', '/v1/sessions/'],
      ['GET /v1/projects/{project_id}/keys', '/v1/projects/'],
    ] as const) {
      for (const value of hostile) {
        const path = `${template}${value}${key.endsWith('/keys') ? '/keys' : ''}`;
        const response = await server.get(
          path,
          key.endsWith('/keys') ? { cookie: sessionCookie() } : { key: t.readKeyA },
        );
        const text = await response.text();
        expect([400, 404], `${path} → ${response.status} ${text.slice(0, 200)}`).toContain(response.status);
        expect(text).not.toMatch(/\n\s+at |node_modules/);
      }
    }
  });

  test.each([
    ['/v1/events?limit=abc', 'limit'],
    ['/v1/events?limit=-5', 'limit'],
    ['/v1/events?limit=0', 'limit'],
    ['/v1/events?limit=1.5', 'limit'],
    ['/v1/events?limit=201', 'limit'],
    ['/v1/events?limit=1&limit=2', 'limit'],
    // Decimal digits only: Number() would read these as 100, 16, 5, 5 and 5.
    ['/v1/events?limit=1e2', 'limit'],
    ['/v1/events?limit=0x10', 'limit'],
    ['/v1/events?limit=%205', 'limit'],
    ['/v1/events?limit=5.0', 'limit'],
    ['/v1/events?limit=%2B5', 'limit'],
    ['/v1/stats/volume?top=2e0', 'top'],
    ['/v1/pipeline?minutes=1e1', 'minutes'],
    ['/v1/events?from=yesterday', 'from'],
    ['/v1/events?to=2025-13-01', 'to'],
    ['/v1/events?from=2025-01-02T00:00:00', 'from'],
    ['/v1/events?from=2025-01-02&to=2025-01-01', 'from'],
    ['/v1/events?from=1700000000', 'from'],
    ['/v1/events?cursor=%25%25%25', 'cursor'],
    ['/v1/events?event_name=', 'event_name'],
    [`/v1/events?event_name=${'x'.repeat(201)}`, 'event_name'],
    ['/v1/events?event_name=a%00b', 'event_name'],
    ['/v1/events?evnt_name=click', 'evnt_name'],
    ['/v1/events?project_id=42', 'project_id'],
    ['/v1/events/not-a-uuid', 'event_id'],
    ['/v1/stats/volume?interval=second', 'interval'],
    ['/v1/stats/volume?interval=minute&from=2025-01-01&to=2025-02-01', 'interval'],
    ['/v1/stats/volume?top=0', 'top'],
    ['/v1/stats/volume?breakdown=', 'breakdown'],
    ['/v1/stats/top-events?limit=1000', 'limit'],
    ['/v1/stats/overview?to=2101-01-01', 'to'],
    ['/v1/sessions?limit=-1', 'limit'],
    ['/v1/sessions/a%00b', 'session_id'],
    [`/v1/sessions/${'s'.repeat(201)}`, 'session_id'],
    ['/v1/sessions/s?cursor=abc', 'cursor'],
    [`/v1/dlq?projection=${'p'.repeat(201)}`, 'projection'],
    [`/v1/event-names?prefix=${'p'.repeat(201)}`, 'prefix'],
  ])('%s is a 400 naming %s', async (path, field) => {
    const response = await server.get(path, { key: t.readKeyA });
    const body = (await response.json()) as {
      error: { code: string; message: string; fields: Array<{ field: string }> };
    };
    expect(response.status, JSON.stringify(body)).toBe(400);
    expect(body.error.code).toBe('INVALID_FIELD');
    expect(body.error.fields.map((f) => f.field)).toContain(field);
    expect(body.error.message).toContain(field);
  });

  test('a malformed percent-escape in the path is a 400', async () => {
    const response = await server.get('/v1/events/%E0%A4%A', { key: t.readKeyA });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INVALID_FIELD');
  });

  test('a URL too large for the server is refused without taking it down', async () => {
    const response = await server.get(`/v1/events?event_name=${'x'.repeat(40_000)}`, { key: t.readKeyA });
    expect(response.status).toBe(431);
    expect((await server.get('/healthz')).status).toBe(200);
  });

  test('an unknown event id in another format of UUID (upper case) is still found', async () => {
    const response = await server.get(`/v1/events/${eventB!.toUpperCase()}`, { key: t.readKeyB });
    expect(response.status).toBe(200);
    expect((await server.get(`/v1/events/${randomUUID().toUpperCase()}`, { key: t.readKeyB })).status).toBe(
      404,
    );
  });
});
