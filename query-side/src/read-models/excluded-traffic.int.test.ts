/**
 * A project's own traffic through the whole chain, on private topics, schemas and services beside
 * the running stack: with `127.0.0.0/8` among its excluded address ranges (PUT settings on a command
 * side of this work tree), events sent from 127.0.0.1 are accepted (202) and appended marked
 * `context.excluded = "address"`; the analytics projection makes no visit of them; the Stats API
 * leaves them out of every figure; the overview counts them as `excluded_events`; the explorer still
 * lists them. Events of the same project from another address (X-Forwarded-For from the loopback
 * proxy the command side trusts) are counted as usual.
 */
import type { EventTracked } from '@eventlens/contracts';
import {
  adminClient,
  collectTopic,
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
import { stackForTests } from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../test-support/server';

let env: TestEnv;
let workers: InProcess;
let commandSide: RunningCommandSide;
let querySide: TestServer;
let log: Awaited<ReturnType<typeof collectTopic>>;
let projectId: string;
let writeKey: string;
let readKey: string;

beforeAll(async () => {
  const dev = await stackForTests();
  env = await createTestEnv();
  workers = await startInProcess(env, ['analytics', 'admin']);
  const stack = await testStack();
  const topics = {
    events: env.topology.projections.analytics.source,
    admin: env.topology.projections.admin.source,
  };
  // Loopback is a trusted proxy: without X-Forwarded-For a request is from 127.0.0.1, with it from the address named.
  commandSide = await startCommandSide(
    testConfig(stack, topics, { http: { port: 0, host: '127.0.0.1', trustProxy: ['loopback'] } }),
  );
  log = await collectTopic(stack, topics.events);
  querySide = await startServer(dev.readerDatabaseUrl, { schemaPrefix: env.config.schemaPrefix });
  const admin = adminClient(commandSide.url);
  ({ projectId, key: writeKey } = await admin.projectWithKey('own traffic'));
  const read = await admin.call('POST', `/v1/admin/projects/${projectId}/keys`, { kind: 'read' });
  readKey = read.body.key as string;
  const put = await admin.call('PUT', `/v1/admin/projects/${projectId}/settings`, {
    time_zone: 'UTC',
    domains: [],
    excluded_address_ranges: ['127.0.0.0/8'],
  });
  expect(put.status).toBe(200);
}, 120_000);

afterAll(async () => {
  expect(querySide?.errors ?? []).toEqual([]);
  await log?.stop();
  await querySide?.close();
  await commandSide?.stop();
  await workers?.stop();
  await env?.cleanup();
});

const SITE = 'https://shop.example';
const DAY = '2025-03-01';
const at = (time: string) => `${DAY}T${time}Z`;

async function batch(events: unknown[], forwardedFor?: string) {
  const response = await fetch(`${commandSide.url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    body: JSON.stringify({ api_key: writeKey, events }),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

async function stats(body: Record<string, unknown>) {
  const response = await fetch(`${querySide.url}/api/v2/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` },
    body: JSON.stringify({ site_id: projectId, date_range: [DAY, DAY], ...body }),
  });
  const json = (await response.json()) as { results: Array<{ dimensions: string[]; metrics: number[] }> };
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json.results.map((r) => [...r.dimensions, ...r.metrics]);
}

describe("a project's own traffic, from the ingestion API to the reports", () => {
  const own = [
    {
      event_name: 'page_view',
      session_id: 'own',
      anonymous_id: 'me',
      timestamp: at('10:00:00'),
      url: `${SITE}/admin`,
    },
    {
      event_name: 'page_view',
      session_id: 'own',
      anonymous_id: 'me',
      timestamp: at('10:01:00'),
      url: `${SITE}/pricing`,
    },
    {
      event_name: 'signup',
      session_id: 'own',
      anonymous_id: 'me',
      timestamp: at('10:02:00'),
      url: `${SITE}/pricing`,
    },
  ];
  const visitor = [
    {
      event_name: 'page_view',
      session_id: 'v',
      anonymous_id: 'visitor',
      timestamp: at('11:00:00'),
      url: `${SITE}/pricing`,
    },
    {
      event_name: 'signup',
      session_id: 'v',
      anonymous_id: 'visitor',
      timestamp: at('11:00:30'),
      url: `${SITE}/pricing`,
    },
  ];

  it('accepts the events of an excluded address and appends them marked; another address unmarked', async () => {
    expect(await batch(own)).toEqual({ status: 202, body: { accepted: 3 } });
    expect(await batch(visitor, '198.51.100.7')).toEqual({ status: 202, body: { accepted: 2 } });
    const appended = await log.until((all) => {
      const mine = all
        .flatMap((r): EventTracked[] => (r.event.type === 'EventTracked' ? [r.event.value] : []))
        .filter((e) => e.project_id === projectId);
      return mine.length === 5 && mine;
    });
    const marks = Object.fromEntries(
      appended.map((e) => [`${e.anonymous_id}:${e.url}:${e.event_name}`, e.context]),
    );
    expect(marks).toEqual({
      [`me:${SITE}/admin:page_view`]: { client_timestamp: expect.any(String), excluded: 'address' },
      [`me:${SITE}/pricing:page_view`]: { client_timestamp: expect.any(String), excluded: 'address' },
      [`me:${SITE}/pricing:signup`]: { client_timestamp: expect.any(String), excluded: 'address' },
      [`visitor:${SITE}/pricing:page_view`]: { client_timestamp: expect.any(String) },
      [`visitor:${SITE}/pricing:signup`]: { client_timestamp: expect.any(String) },
    });
  });

  it('leaves them out of every Stats API figure, and counts the other address as usual', async () => {
    await caughtUp(env, env.topology.projections.analytics.schema, env.topology.projections.analytics.source);
    expect(await stats({ metrics: ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate'] })).toEqual([
      [1, 1, 1, 2, 0],
    ]);
    expect(await stats({ metrics: ['pageviews'], dimensions: ['event:page'] })).toEqual([['/pricing', 1]]);
    expect(await stats({ metrics: ['events'], dimensions: ['event:name'] })).toEqual([
      ['page_view', 1],
      ['signup', 1],
    ]);
    expect(await stats({ metrics: ['visits'], dimensions: ['visit:entry_page'] })).toEqual([['/pricing', 1]]);
  });

  it('counts them in the overview as excluded_events, apart from bot_events, and the explorer still lists them', async () => {
    const range = `from=${at('00:00:00')}&to=2025-03-02T00:00:00Z`;
    const overview = await eventually(
      'the overview counting the excluded events',
      async () => {
        const response = await querySide.get(`/v1/stats/overview?${range}`, { key: readKey });
        const body = (await response.json()) as Record<string, unknown>;
        return body.excluded_events === 3 ? body : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(overview).toMatchObject({ events: 2, page_views: 1, sessions: 1, unique_users: 1, bot_events: 0 });
    const apart = await querySide.get(`/v1/stats/not-counted?${range}`, { key: readKey });
    expect(await apart.json()).toMatchObject({ bot_events: 0, excluded_events: 3 });
    const explorer = await querySide.get(`/v1/events?${range}&limit=50`, { key: readKey });
    expect(explorer.status).toBe(200);
    const listed = (await explorer.json()) as { events?: unknown[]; items?: unknown[] };
    expect(JSON.stringify(listed).match(/"excluded":"address"/g)).toHaveLength(3);
  });
});
