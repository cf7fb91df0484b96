/**
 * Project settings through the whole chain, on private topics, schemas and services beside the
 * running stack: PUT /v1/admin/projects/{id}/settings on a command side of this work tree →
 * ProjectSettingsChanged on the admin topic → the admin projection's project_settings → the query
 * side's GET /v1/projects/{id}/settings and its Stats API, which then runs in the project's zone
 * (Asia/Kolkata's day changes at 18:30 UTC) and takes a declared domain as site_id. A domain
 * declared by one project is refused to another (409). Goals and excluded address ranges (v2) go
 * the same way: the query side answers them as set (ranges normalised), the Stats API counts each
 * goal's conversions, and a PUT without them removes them.
 */
import { randomUUID } from 'node:crypto';
import {
  adminClient,
  startCommandSide,
  testConfig,
  testStack,
  type RunningCommandSide,
} from '@eventlens/command-side/test-support';
import {
  caughtUp,
  createTestEnv,
  startInProcess,
  type InProcess,
  type TestEnv,
} from '@eventlens/projections/testing';
import { startServer, type TestServer } from '@eventlens/query-side/test-support';
import { stackForTests } from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let env: TestEnv;
let workers: InProcess;
let commandSide: RunningCommandSide;
let querySide: TestServer;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  const dev = await stackForTests();
  env = await createTestEnv();
  workers = await startInProcess(env, ['analytics', 'admin']);
  const stack = await testStack();
  commandSide = await startCommandSide(
    testConfig(stack, {
      events: env.topology.projections.analytics.source,
      admin: env.topology.projections.admin.source,
    }),
  );
  admin = adminClient(commandSide.url);
  querySide = await startServer(dev.readerDatabaseUrl!, { schemaPrefix: env.config.schemaPrefix });
});

afterAll(async () => {
  await querySide?.close();
  await commandSide?.stop();
  await workers?.stop();
  await env?.cleanup();
});

const caughtUpAll = async () => {
  await caughtUp(env, env.topology.projections.admin.schema, env.topology.projections.admin.source);
  await caughtUp(env, env.topology.projections.analytics.schema, env.topology.projections.analytics.source);
};

async function stats(body: Record<string, unknown>, key: string) {
  const res = await fetch(`${querySide.url}/api/v2/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const rows = (body: Record<string, unknown>) =>
  (body.results as Array<{ dimensions: string[]; metrics: number[] }>).map((r) => [
    ...r.dimensions,
    ...r.metrics,
  ]);

describe('project settings from the command side to the Stats API', () => {
  it('a zone and a domain set by PUT are the Stats API’s default zone and a site_id; another project’s claim is a 409', async () => {
    const { projectId, key: writeKey } = await admin.projectWithKey('settings chain');
    const read = await admin.call('POST', `/v1/admin/projects/${projectId}/keys`, { kind: 'read' });
    const readKey = read.body.key as string;
    const domain = `${randomUUID().slice(0, 8)}.example.com`;

    // 18:29:59Z is 23:59:59 on the 1st in Kolkata, 18:30Z midnight on the 2nd; both the 1st in UTC.
    const sent = await fetch(`${commandSide.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        api_key: writeKey,
        events: [
          { event_name: 'page_view', session_id: 'k1', timestamp: '2025-03-01T18:29:59Z', url: '/k' },
          { event_name: 'page_view', session_id: 'k2', timestamp: '2025-03-01T18:30:00Z', url: '/k' },
        ],
      }),
    });
    expect(sent.status).toBe(202);

    const put = await admin.call('PUT', `/v1/admin/projects/${projectId}/settings`, {
      time_zone: 'Asia/Kolkata',
      domains: [domain],
    });
    expect(put.status).toBe(200);
    const other = await admin.projectWithKey('another project');
    const conflict = await admin.call('PUT', `/v1/admin/projects/${other.projectId}/settings`, {
      time_zone: 'UTC',
      domains: [domain],
    });
    expect(conflict.status).toBe(409);
    expect(JSON.stringify(conflict.body)).toContain(domain);
    await caughtUpAll();

    const settings = await eventually(
      'the settings on the query side',
      async () => {
        const res = await querySide.get(`/v1/projects/${projectId}/settings`, { key: readKey });
        return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(settings).toMatchObject({ project_id: projectId, time_zone: 'Asia/Kolkata', domains: [domain] });

    const byDay = {
      metrics: ['pageviews'],
      date_range: ['2025-03-01', '2025-03-02'],
      dimensions: ['time:day'],
    };
    const kolkata = await stats({ site_id: projectId, ...byDay }, readKey);
    expect(kolkata.status).toBe(200);
    expect(rows(kolkata.body)).toEqual([
      ['2025-03-01', 1],
      ['2025-03-02', 1],
    ]);
    expect(kolkata.body.query).toMatchObject({ timezone: 'Asia/Kolkata' });

    const byDomain = await stats({ site_id: domain, ...byDay }, readKey);
    expect(byDomain.status).toBe(200);
    expect(rows(byDomain.body)).toEqual(rows(kolkata.body));

    const utc = await stats({ site_id: domain, ...byDay, timezone: 'UTC' }, readKey);
    expect(rows(utc.body)).toEqual([['2025-03-01', 2]]);
    expect(querySide.errors).toEqual([]);
  });

  it('goals and excluded ranges set by PUT: answered by the query side, goals counted by the Stats API, removed by a PUT without them', async () => {
    const { projectId, key: writeKey } = await admin.projectWithKey('goals chain');
    const read = await admin.call('POST', `/v1/admin/projects/${projectId}/keys`, { kind: 'read' });
    const readKey = read.body.key as string;

    // Three visitors on 2025-03-03: two sign up, one views pricing, one reads a blog post.
    const event = (anonymous_id: string, event_name: string, url: string, minute: number) => ({
      event_name,
      anonymous_id,
      session_id: `s-${anonymous_id}`,
      timestamp: `2025-03-03T10:0${minute}:00Z`,
      url: `https://site.test${url}`,
    });
    const sent = await fetch(`${commandSide.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        api_key: writeKey,
        events: [
          event('a1', 'page_view', '/pricing', 0),
          event('a1', 'signup', '/pricing', 1),
          event('a2', 'page_view', '/blog/hello', 2),
          event('a2', 'signup', '/blog/hello', 3),
          event('a3', 'page_view', '/blog/2025/deep', 4),
        ],
      }),
    });
    expect(sent.status).toBe(202);

    const goals = [
      { name: 'Signup', event_name: 'signup' },
      { name: 'Pricing', page_path: '/pricing' },
      { name: 'Blog post', page_path: '/blog/*' },
    ];
    const put = await admin.call('PUT', `/v1/admin/projects/${projectId}/settings`, {
      time_zone: 'UTC',
      domains: [],
      goals,
      excluded_address_ranges: ['203.0.113.0/24', '2001:DB8::/32', '198.51.100.7'],
    });
    expect(put.status).toBe(200);
    await caughtUpAll();

    const settings = await eventually(
      'the goals on the query side',
      async () => {
        const res = await querySide.get(`/v1/projects/${projectId}/settings`, { key: readKey });
        const body = res.status === 200 ? ((await res.json()) as { goals: unknown[] }) : undefined;
        return body && body.goals.length > 0 ? body : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(settings).toMatchObject({
      goals,
      excluded_address_ranges: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7/32'],
    });

    const byGoal = {
      site_id: projectId,
      metrics: ['visitors', 'events', 'conversion_rate'],
      date_range: ['2025-03-03', '2025-03-03'],
      dimensions: ['event:goal'],
    };
    const converted = await eventually(
      'the events projected',
      async () => {
        const res = await stats(byGoal, readKey);
        return res.status === 200 && rows(res.body).length === 3 ? res : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    // a3's /blog/2025/deep is not a blog post: `*` stops at /.
    expect(rows(converted.body)).toEqual([
      ['Signup', 2, 2, 66.67],
      ['Blog post', 1, 1, 33.33],
      ['Pricing', 1, 1, 33.33],
    ]);

    const cleared = await admin.call('PUT', `/v1/admin/projects/${projectId}/settings`, {
      time_zone: 'UTC',
      domains: [],
    });
    expect(cleared.body).toMatchObject({ goals: [], excluded_address_ranges: [] });
    await caughtUpAll();
    const after = await querySide.get(`/v1/projects/${projectId}/settings`, { key: readKey });
    expect(await after.json()).toMatchObject({ goals: [], excluded_address_ranges: [] });
    expect(rows((await stats(byGoal, readKey)).body)).toEqual([]);
    expect(querySide.errors).toEqual([]);
  });
});
