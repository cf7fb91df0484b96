/**
 * Public dashboard links on the query side, over rows the admin projection writes
 * (admin.public_links): a token (and its password, when it has one) is exchanged for a grant; the
 * grant reads its project's dashboard — the Stats API, its funnel, the settings — and nothing else
 * (every other route of the document answers 403, another project 404); wrong passwords are refused
 * with a 401 naming `password` and throttled (429 per address and per link and address, a bounded
 * delay per link); a revoked link stops within a second, a grant in hand included; a grant is no
 * console session and a session no grant.
 */
import { randomUUID } from 'node:crypto';
import {
  generateShareToken,
  hashPassword,
  hashShareToken,
  issueSessionToken,
  issueShareGrant,
  SESSION_COOKIE,
} from '@eventlens/contracts';
import { eventually } from '@eventlens/stack/eventually';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { fillVisitorKeys, insertEvents, seedTenants, type Tenants } from '../test-support/fixtures';
import { startServer, TEST_SECRET, type TestServer } from '../test-support/server';
import { sessionCookie } from '../test-support/session';
import { SHARE_ROUTES } from './share-access';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;
const delays: number[] = [];
const PASSWORD = 'the viewers password';
const DAY = '2024-03-01';

interface Link {
  linkId: string;
  token: string;
}

async function insertLink(projectId: string, password?: string): Promise<Link> {
  const token = generateShareToken();
  const linkId = randomUUID();
  await tdb.owner.query(
    `insert into admin.public_links (link_id, project_id, token_hash, token_prefix, password_hash, created_at, created_by)
     values ($1, $2, $3, $4, $5, now(), null)`,
    [
      linkId,
      projectId,
      hashShareToken(token),
      token.slice(0, 10),
      password === undefined ? null : await hashPassword(password, { N: 1024 }),
    ],
  );
  return { linkId, token };
}

const revoke = (linkId: string) =>
  tdb.owner.query('update admin.public_links set revoked_at = now() where link_id = $1', [linkId]);

async function call(
  method: string,
  path: string,
  init: { body?: unknown; grant?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.grant !== undefined ? { authorization: `Share ${init.grant}` } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, body, headers: res.headers };
}

const exchange = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call('POST', '/v1/share/session', { body, headers });

async function grantOf(link: Link, password?: string): Promise<string> {
  const answer = await exchange({ token: link.token, ...(password ? { password } : {}) });
  expect(answer.status).toBe(200);
  return answer.body.grant as string;
}

const visitors = (grant: string, siteId: string) =>
  call('POST', '/api/v2/query', {
    grant,
    body: { site_id: siteId, metrics: ['visitors', 'pageviews'], date_range: [DAY, DAY] },
  });

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl, {
    shareThrottle: {
      maxPerLinkAddress: 3,
      maxPerAddress: 5,
      freeFailures: 1,
      baseDelayMs: 100,
      maxDelayMs: 400,
    },
    sleep: async (ms) => void delays.push(ms),
  });
  const ts = new Date(`${DAY}T10:00:00Z`);
  await insertEvents(tdb.owner, [
    {
      project_id: t.projectA,
      event_name: 'page_view',
      session_id: 'a1',
      anonymous_id: 'va1',
      ts,
      url: 'https://a.example/',
    },
    {
      project_id: t.projectA,
      event_name: 'page_view',
      session_id: 'a2',
      anonymous_id: 'va2',
      ts,
      url: 'https://a.example/x',
    },
    {
      project_id: t.projectB,
      event_name: 'page_view',
      session_id: 'b1',
      anonymous_id: 'vb1',
      ts,
      url: 'https://b.example/',
    },
  ]);
  await tdb.owner.query(
    `insert into analytics.sessions (project_id, session_id, anonymous_id, first_seen, last_seen, event_count, page_views)
     values ($1, 'a1', 'va1', $3, $3, 1, 1), ($1, 'a2', 'va2', $3, $3, 1, 1), ($2, 'b1', 'vb1', $3, $3, 1, 1)`,
    [t.projectA, t.projectB, ts],
  );
  await fillVisitorKeys(tdb.owner);
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

describe('exchanging a link for a grant', () => {
  test('a link without a password needs none; the grant reads its project’s figures', async () => {
    const link = await insertLink(t.projectA);
    const answer = await exchange({ token: link.token });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      grant: expect.any(String),
      project_id: t.projectA,
      link_id: link.linkId,
      expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const expiresIn = Date.parse(answer.body.expires_at as string) - Date.now();
    expect(expiresIn).toBeGreaterThan(3_500_000);
    expect(expiresIn).toBeLessThanOrEqual(3_600_000);

    const stats = await visitors(answer.body.grant as string, t.projectA);
    expect(stats.status).toBe(200);
    expect(stats.body.results).toEqual([{ metrics: [2, 2], dimensions: [] }]);
  });

  test('a link with a password asks for it (401 naming password), refuses a wrong one, takes the right one', async () => {
    const link = await insertLink(t.projectA, PASSWORD);
    const none = await exchange({ token: link.token });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({
      error: {
        code: 'UNAUTHORIZED',
        fields: [{ field: 'password', message: 'this link needs its password' }],
      },
    });
    const wrong = await exchange({ token: link.token, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({
      error: {
        code: 'UNAUTHORIZED',
        fields: [{ field: 'password', message: 'wrong password for this link' }],
      },
    });
    const right = await exchange({ token: link.token, password: PASSWORD });
    expect(right.status).toBe(200);
    expect((await visitors(right.body.grant as string, t.projectA)).status).toBe(200);
  });

  test('a valid grant of the link renews it without the password; another link’s grant does not', async () => {
    const link = await insertLink(t.projectA, PASSWORD);
    const grant = await grantOf(link, PASSWORD);
    const renewed = await exchange({ token: link.token }, { authorization: `Share ${grant}` });
    expect(renewed.status).toBe(200);
    const other = await grantOf(await insertLink(t.projectA));
    const refused = await exchange({ token: link.token }, { authorization: `Share ${other}` });
    expect(refused.status).toBe(401);
  });

  test('an unknown token is a 404, a revoked one a 404 saying so, a malformed one a 400 naming token', async () => {
    const unknown = await exchange({ token: generateShareToken() });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({
      error: { code: 'NOT_FOUND', message: 'no public link has this token' },
    });
    const link = await insertLink(t.projectA);
    await revoke(link.linkId);
    const revoked = await exchange({ token: link.token });
    expect(revoked.status).toBe(404);
    expect(revoked.body).toMatchObject({ error: { message: 'this public link was revoked' } });
    const malformed = await exchange({ token: 'elr_notalinktoken0123456789' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { code: 'INVALID_FIELD', fields: [{ field: 'token' }] } });
    const extra = await exchange({ token: link.token, passwd: 'x' });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body)).toContain('passwd');
  });
});

describe('throttling wrong passwords', () => {
  const from = (address: string) => ({ 'x-forwarded-for': address });

  test('refuses one address against one link past the bound (429, Retry-After), never the link for others', async () => {
    const link = await insertLink(t.projectA, PASSWORD);
    const attacker = from('203.0.113.7');
    for (let i = 0; i < 3; i++) {
      expect((await exchange({ token: link.token, password: `guess ${i}` }, attacker)).status).toBe(401);
    }
    const refused = await exchange({ token: link.token, password: PASSWORD }, attacker);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // A viewer elsewhere still gets in with the password, after a bounded delay.
    delays.length = 0;
    expect((await exchange({ token: link.token, password: PASSWORD }, from('198.51.100.20'))).status).toBe(
      200,
    );
    expect(delays).toEqual([400]);
  });

  test('delays answers per link past the free failures, doubling up to the bound, and forgets them on success', async () => {
    const link = await insertLink(t.projectA, PASSWORD);
    delays.length = 0;
    await exchange({ token: link.token, password: 'one' }, from('192.0.2.1'));
    await exchange({ token: link.token, password: 'two' }, from('192.0.2.2'));
    await exchange({ token: link.token, password: 'three' }, from('192.0.2.3'));
    await exchange({ token: link.token, password: 'four' }, from('192.0.2.4'));
    await exchange({ token: link.token, password: 'five' }, from('192.0.2.7'));
    // No delay while failures are free (one), then 100 ms doubling, at most 400 ms.
    expect(delays).toEqual([100, 200, 400, 400]);
    expect((await exchange({ token: link.token, password: PASSWORD }, from('192.0.2.5'))).status).toBe(200);
    delays.length = 0;
    await exchange({ token: link.token, password: 'six' }, from('192.0.2.6'));
    expect(delays).toEqual([]);
  });

  test('refuses one address past the bound whatever the links', async () => {
    const address = from('203.0.113.99');
    for (let i = 0; i < 5; i++) {
      const link = await insertLink(t.projectA, PASSWORD);
      expect((await exchange({ token: link.token, password: 'guess' }, address)).status).toBe(401);
    }
    const fresh = await insertLink(t.projectA, PASSWORD);
    expect((await exchange({ token: fresh.token, password: PASSWORD }, address)).status).toBe(429);
  });
});

describe('what a grant may read', () => {
  let grant: string;
  beforeAll(async () => {
    grant = await grantOf(await insertLink(t.projectA));
  });

  test('its project’s Stats API, funnel and default zone', async () => {
    expect((await visitors(grant, t.projectA)).status).toBe(200);
    const funnel = await call('POST', '/api/v2/funnel', {
      grant,
      body: {
        site_id: t.projectA,
        date_range: [DAY, DAY],
        steps: [{ page: '/' }, { page: '/x' }],
      },
    });
    expect(funnel.status).toBe(200);
    const zone = await call('GET', `/v1/projects/${t.projectA}/time-zone`, { grant });
    expect(zone.status).toBe(200);
    expect(zone.body).toEqual({ project_id: t.projectA, time_zone: 'UTC' });
  });

  test('not the settings: the excluded address ranges, goals and domains are the owner’s (403)', async () => {
    const settings = await call('GET', `/v1/projects/${t.projectA}/settings`, { grant });
    expect(settings.status).toBe(403);
    expect(JSON.stringify(settings.body)).not.toMatch(/excluded_address_ranges|goals|domains/);
  });

  test('nothing of another project (404)', async () => {
    const stats = await visitors(grant, t.projectB);
    expect(stats.status).toBe(404);
    expect((await call('GET', `/v1/projects/${t.projectB}/time-zone`, { grant })).status).toBe(404);
  });

  test('no other route of the document: events, sessions, CSV, keys, links, projects, pipeline … (403)', async () => {
    const doc = (await call('GET', '/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const fill = (path: string) =>
      path
        .replace('{project_id}', t.projectA)
        .replace('{event_id}', randomUUID())
        .replace('{session_id}', 'a1');
    const refused: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const key = `${method.toUpperCase()} ${path}`;
        if (SHARE_ROUTES.has(key) || (op.security ?? []).length === 0) continue;
        const answer = await call(method.toUpperCase(), `${fill(path)}?project_id=${t.projectA}`, {
          grant,
          ...(method === 'post' ? { body: {} } : {}),
        });
        expect({ key, status: answer.status }).toEqual({ key, status: 403 });
        expect(answer.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
        refused.push(key);
      }
    }
    expect(refused).toEqual(
      expect.arrayContaining([
        'GET /v1/events',
        'GET /v1/events/{event_id}',
        'GET /v1/events.csv',
        'GET /v1/sessions',
        'GET /v1/sessions/{session_id}',
        'GET /v1/projects/{project_id}/keys',
        'GET /v1/projects/{project_id}/public-links',
        'GET /v1/projects',
        'GET /v1/stats/overview',
        'GET /v1/pipeline',
        'GET /v1/auth/me',
      ]),
    );
  });

  test('the document names the grant on the three routes only', async () => {
    const doc = (await call('GET', '/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>;
      components: { securitySchemes: Record<string, { scheme?: string }> };
    };
    expect(doc.components.securitySchemes.share).toMatchObject({ type: 'http', scheme: 'Share' });
    const withShare = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => (op.security ?? []).some((s) => 'share' in s))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(withShare.sort()).toEqual([...SHARE_ROUTES].sort());
  });
});

describe('grants are no sessions, and stop', () => {
  test('a grant is refused as a session cookie, and a session as a grant', async () => {
    const { grant } = issueShareGrant({ link_id: randomUUID(), project_id: t.projectA }, TEST_SECRET);
    const asCookie = await call('GET', '/v1/auth/me', { headers: { cookie: `${SESSION_COOKIE}=${grant}` } });
    expect(asCookie.status).toBe(401);
    const session = issueSessionToken({ user_id: randomUUID(), email: 'a@example.test' }, TEST_SECRET);
    expect((await visitors(session, t.projectA)).status).toBe(401);
    // The session itself is good: as a cookie it reads the project.
    const asSession = await call('POST', '/api/v2/query', {
      headers: { cookie: sessionCookie() },
      body: { site_id: t.projectA, metrics: ['visitors'], date_range: [DAY, DAY] },
    });
    expect(asSession.status).toBe(200);
  });

  test('an expired grant, or one of a link that was never created, is a 401', async () => {
    const link = await insertLink(t.projectA);
    const expired = issueShareGrant(
      { link_id: link.linkId, project_id: t.projectA },
      TEST_SECRET,
      Date.now() - 3_600_001,
    );
    const answer = await visitors(expired.grant, t.projectA);
    expect(answer.status).toBe(401);
    expect(JSON.stringify(answer.body)).toContain('open the link again');
    const unknown = issueShareGrant({ link_id: randomUUID(), project_id: t.projectA }, TEST_SECRET);
    expect((await visitors(unknown.grant, t.projectA)).status).toBe(401);
    // A grant naming another project than its link's is refused too.
    const moved = issueShareGrant({ link_id: link.linkId, project_id: t.projectB }, TEST_SECRET);
    expect((await visitors(moved.grant, t.projectB)).status).toBe(401);
  });

  test('a revoked link stops within a second, a grant in hand included', async () => {
    const link = await insertLink(t.projectA);
    const grant = await grantOf(link);
    expect((await visitors(grant, t.projectA)).status).toBe(200);
    await revoke(link.linkId);
    const revokedAt = Date.now();
    const answer = await eventually(
      'the revoked link refused',
      async () => {
        const r = await visitors(grant, t.projectA);
        return r.status === 401 ? r : undefined;
      },
      // The link lookup is cached for at most 1 s; the bound leaves room for a busy machine.
      { timeoutMs: 2000, intervalMs: 50 },
    );
    expect(JSON.stringify(answer.body)).toContain('revoked');
    console.log(`revoked link refused after ${Date.now() - revokedAt} ms`);
  });
});

describe('GET /v1/projects/{project_id}/public-links', () => {
  test('lists a project’s links for a console session, newest first, without tokens or hashes', async () => {
    const project = (
      await tdb.owner.query<{ project_id: string }>(
        `insert into admin.projects (project_id, name, created_at) values ($1, 'links', now()) returning project_id`,
        [randomUUID()],
      )
    ).rows[0]!.project_id;
    const open = await insertLink(project);
    const locked = await insertLink(project, PASSWORD);
    await tdb.owner.query(
      `update admin.public_links set created_at = created_at - interval '1 hour' where link_id = $1`,
      [open.linkId],
    );
    await revoke(open.linkId);
    const list = await call('GET', `/v1/projects/${project}/public-links`, {
      headers: { cookie: sessionCookie() },
    });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      items: [
        {
          link_id: locked.linkId,
          token_prefix: locked.token.slice(0, 10),
          has_password: true,
          created_at: expect.any(String),
          created_by: null,
          revoked_at: null,
        },
        {
          link_id: open.linkId,
          token_prefix: open.token.slice(0, 10),
          has_password: false,
          created_at: expect.any(String),
          created_by: null,
          revoked_at: expect.any(String),
        },
      ],
    });
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(open.token);
    expect(text).not.toContain(hashShareToken(open.token));
    expect(text).not.toContain('scrypt');
  });

  test('is for console sessions only (a read key: 401), and an unknown project is a 404', async () => {
    const byKey = await call('GET', `/v1/projects/${t.projectA}/public-links`, {
      headers: { authorization: `Bearer ${t.readKeyA}` },
    });
    expect(byKey.status).toBe(401);
    const unknown = await call('GET', `/v1/projects/${randomUUID()}/public-links`, {
      headers: { cookie: sessionCookie() },
    });
    expect(unknown.status).toBe(404);
  });
});
