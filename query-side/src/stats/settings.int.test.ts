/**
 * Project settings on the query side, over rows the admin projection writes (admin.project_settings):
 * GET /v1/projects/{id}/settings (goals and excluded ranges included), the Stats API's default zone (a request without `timezone` is in
 * the project's zone: Asia/Kolkata's day changes at 18:30 UTC) and `site_id` given as a declared
 * domain, with the same tenancy as an id (another project's domain is a 404).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { insertEvents, insertKey, insertProject, seedTenants, type Tenants } from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';
import { sessionCookie } from '../test-support/session';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;
let unset: { projectId: string; readKey: string };
const NOW = Date.parse('2024-01-05T12:00:00Z');

async function post(path: string, body: unknown, key: string) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function get(path: string, headers: Record<string, string>) {
  const res = await fetch(`${server.url}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const rows = (body: Record<string, unknown>) =>
  (body.results as Array<{ dimensions: string[]; metrics: number[] }>).map((r) => [
    ...r.dimensions,
    ...r.metrics,
  ]);

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  const projectId = await insertProject(tdb.owner, 'No settings');
  unset = { projectId, readKey: (await insertKey(tdb.owner, projectId, 'read')).key };
  await tdb.owner.query(
    `insert into admin.project_settings (project_id, time_zone, domains, goals, excluded_address_ranges, updated_at)
     values ($1, 'Asia/Kolkata', '{shop.example,www.shop.example}', $3::jsonb, '{203.0.113.0/24,2001:db8::/32}',
             '2024-01-01T00:00:00Z'),
            ($2, 'Europe/Berlin', '{other.example}', '[]', '{}', '2024-01-01T00:00:00Z')`,
    [
      t.projectA,
      t.projectB,
      JSON.stringify([
        { name: 'Signup', event_name: 'signup' },
        { name: 'Blog', page_path: '/blog/**' },
      ]),
    ],
  );
  // 18:29:59Z is 23:59:59 on the 1st in Kolkata, 18:30Z midnight on the 2nd; both the 1st in UTC.
  await insertEvents(tdb.owner, [
    {
      project_id: t.projectA,
      user_id: 'k1',
      event_name: 'page_view',
      ts: new Date('2024-01-01T18:29:59Z'),
      url: '/k',
    },
    {
      project_id: t.projectA,
      user_id: 'k2',
      event_name: 'page_view',
      ts: new Date('2024-01-01T18:30:00Z'),
      url: '/k',
    },
    {
      project_id: unset.projectId,
      user_id: 'u',
      event_name: 'page_view',
      ts: new Date('2024-01-01T18:30:00Z'),
      url: '/k',
    },
  ]);
  server = await startServer(tdb.readerUrl, { now: () => NOW });
});

afterAll(async () => {
  await server?.close();
  await tdb?.drop();
});

const byDay = { metrics: ['pageviews'], date_range: ['2024-01-01', '2024-01-02'], dimensions: ['time:day'] };

describe('GET /v1/projects/{project_id}/settings', () => {
  test('a read key reads its own project’s settings; another project’s is a 404', async () => {
    const own = await get(`/v1/projects/${t.projectA}/settings`, { authorization: `Bearer ${t.readKeyA}` });
    expect(own).toEqual({
      status: 200,
      body: {
        project_id: t.projectA,
        time_zone: 'Asia/Kolkata',
        domains: ['shop.example', 'www.shop.example'],
        goals: [
          { name: 'Signup', event_name: 'signup' },
          { name: 'Blog', page_path: '/blog/**' },
        ],
        excluded_address_ranges: ['203.0.113.0/24', '2001:db8::/32'],
        updated_at: '2024-01-01T00:00:00.000Z',
      },
    });
    expect(
      (await get(`/v1/projects/${t.projectB}/settings`, { authorization: `Bearer ${t.readKeyA}` })).status,
    ).toBe(404);
  });

  test('a console session reads any project; one never set answers the defaults', async () => {
    const cookie = sessionCookie({ user_id: t.user.user_id, email: t.user.email }, NOW);
    const defaults = await get(`/v1/projects/${unset.projectId}/settings`, { cookie });
    expect(defaults.body).toEqual({
      project_id: unset.projectId,
      time_zone: 'UTC',
      domains: [],
      goals: [],
      excluded_address_ranges: [],
      updated_at: null,
    });
    expect((await get(`/v1/projects/${t.projectB}/settings`, { cookie })).body).toMatchObject({
      time_zone: 'Europe/Berlin',
    });
    expect((await get(`/v1/projects/00000000-0000-4000-8000-000000000000/settings`, { cookie })).status).toBe(
      404,
    );
  });
});

describe('GET /v1/projects/{project_id}/time-zone', () => {
  test('the zone alone, for a key of the project or a session; UTC when never set; another project’s a 404', async () => {
    const key = { authorization: `Bearer ${t.readKeyA}` };
    expect(await get(`/v1/projects/${t.projectA}/time-zone`, key)).toEqual({
      status: 200,
      body: { project_id: t.projectA, time_zone: 'Asia/Kolkata' },
    });
    expect((await get(`/v1/projects/${t.projectB}/time-zone`, key)).status).toBe(404);
    const cookie = sessionCookie({ user_id: t.user.user_id, email: t.user.email }, NOW);
    expect((await get(`/v1/projects/${unset.projectId}/time-zone`, { cookie })).body).toEqual({
      project_id: unset.projectId,
      time_zone: 'UTC',
    });
    expect(
      (await get(`/v1/projects/00000000-0000-4000-8000-000000000000/time-zone`, { cookie })).status,
    ).toBe(404);
  });
});

describe('the Stats API with project settings', () => {
  test('without `timezone`, days are the project’s (Asia/Kolkata: the day changes at 18:30 UTC)', async () => {
    const answer = await post('/api/v2/query', { site_id: t.projectA, ...byDay }, t.readKeyA);
    expect(answer.status).toBe(200);
    expect(rows(answer.body)).toEqual([
      ['2024-01-01', 1],
      ['2024-01-02', 1],
    ]);
    expect(answer.body.query).toMatchObject({
      timezone: 'Asia/Kolkata',
      date_range: ['2024-01-01T00:00:00+05:30', '2024-01-02T23:59:59+05:30'],
    });
    // A `timezone` in the request still wins.
    const utc = await post('/api/v2/query', { site_id: t.projectA, ...byDay, timezone: 'UTC' }, t.readKeyA);
    expect(rows(utc.body)).toEqual([['2024-01-01', 2]]);
  });

  test('a project without settings stays in UTC', async () => {
    const answer = await post('/api/v2/query', { site_id: unset.projectId, ...byDay }, unset.readKey);
    expect(rows(answer.body)).toEqual([['2024-01-01', 1]]);
    expect(answer.body.query).toMatchObject({ timezone: 'UTC' });
  });

  test('`site_id` may be a domain the project declares, in any case', async () => {
    const answer = await post('/api/v2/query', { site_id: 'WWW.Shop.Example', ...byDay }, t.readKeyA);
    expect(answer.status).toBe(200);
    expect(rows(answer.body)).toEqual([
      ['2024-01-01', 1],
      ['2024-01-02', 1],
    ]);
    expect(answer.body.query).toMatchObject({ site_id: t.projectA });
  });

  test('another project’s domain, or one no project declares, is a 404', async () => {
    expect(await post('/api/v2/query', { site_id: 'other.example', ...byDay }, t.readKeyA)).toMatchObject({
      status: 404,
      body: { error: expect.any(String) },
    });
    expect((await post('/api/v2/query', { site_id: 'nobody.example', ...byDay }, t.readKeyA)).status).toBe(
      404,
    );
  });

  test('the funnel takes a domain and the project’s zone too', async () => {
    const answer = await post(
      '/api/v2/funnel',
      {
        site_id: 'shop.example',
        date_range: ['2024-01-02', '2024-01-02'],
        steps: [{ page: '/k' }, { page: '/k' }],
      },
      t.readKeyA,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.query).toEqual({
      site_id: t.projectA,
      date_range: ['2024-01-02T00:00:00+05:30', '2024-01-02T23:59:59+05:30'],
      timezone: 'Asia/Kolkata',
    });
  });
});
