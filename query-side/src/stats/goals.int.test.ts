/**
 * Goals in the Stats API, over known events and visits in a private database and the project's
 * goals in admin.project_settings: given an event goal, page goals with `*` and `**` and a goal
 * nobody reached, when clients POST to /api/v2/query, then
 * - `event:goal` groups each goal's converters (`visitors`) and completions (`events`), and
 *   `conversion_rate` divides the converters by every visitor of the range, one decimal;
 * - `*` stops at `/` and `**` does not; a query string is not part of the page;
 * - an `event:goal` filter keeps the events (or, for visit metrics, the visits) that reach a goal
 *   it names; a name no goal has matches nothing; `is_not` keeps the rest;
 * - with a `visit:source` breakdown, `group_conversion_rate` divides by each source's visitors;
 * - a comparison with the previous period gives conversion_rate's change in points;
 * - bots and other projects count nowhere; conversion rates without a goal are a 400;
 * - the explorer reads the same goals: its `event:goal` filter lists the events reaching the goal.
 */
import type { ProjectGoalRow } from '@eventlens/read-model';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import {
  insertEvents,
  insertKey,
  insertProject,
  seedTenants,
  type EventFixture,
  type Tenants,
} from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;
let bare: { projectId: string; readKey: string };

const NOW = Date.parse('2024-02-05T12:00:00Z');
const DAY = ['2024-02-01', '2024-02-01'];

const GOALS: ProjectGoalRow[] = [
  { name: 'Signup', event_name: 'signup' },
  { name: 'Pricing', page_path: '/pricing' },
  { name: 'Any blog post', page_path: '/blog/*' },
  { name: 'Docs, deep', page_path: '/docs/**' },
  { name: 'Every page', page_path: '/**' },
  { name: 'Never reached', event_name: 'never' },
];

interface Row {
  dimensions: string[];
  metrics: number[];
  comparison?: { dimensions: string[]; metrics: number[]; change: Array<number | null> };
}

async function post(path: string, body: Record<string, unknown>, key = t.readKeyA) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { results: Row[]; error: string; steps: unknown },
  };
}
const query = (body: Record<string, unknown>) =>
  post('/api/v2/query', { site_id: t.projectA, date_range: DAY, ...body });
const rows = (results: Row[]) => results.map((r) => [...r.dimensions, ...r.metrics]);

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  const projectId = await insertProject(tdb.owner, 'No goals');
  bare = { projectId, readKey: (await insertKey(tdb.owner, projectId, 'read')).key };
  await tdb.owner.query(
    `insert into admin.project_settings (project_id, time_zone, domains, goals, updated_at)
     values ($1, 'UTC', '{}', $2::jsonb, now()), ($3, 'UTC', '{}', $2::jsonb, now())`,
    [t.projectA, JSON.stringify(GOALS), t.projectB],
  );

  const A = t.projectA;
  let minute = 0;
  /** A visit: its events a minute apart from 10:00 on `day`, and its sessions row with `source`. */
  const visit = async (
    session: string,
    user: string,
    source: string,
    steps: Array<[name: string, url: string | null]>,
    options: { day?: string; project?: string; bot?: boolean } = {},
  ) => {
    const day = options.day ?? '2024-02-01';
    const project = options.project ?? A;
    const first = new Date(`${day}T10:00:00Z`);
    await insertEvents(
      tdb.owner,
      steps.map(([name, url]): EventFixture => ({
        project_id: project,
        session_id: session,
        user_id: user,
        event_name: name,
        ts: new Date(first.getTime() + 60_000 * minute++),
        url,
        ...(options.bot ? { context: { bot: 'crawler' } } : {}),
      })),
    );
    await tdb.owner.query(
      `insert into analytics.sessions (project_id, session_id, user_id, first_seen, last_seen, event_count,
         page_views, entry_url, exit_url, entry_path, exit_path, source, is_bot, engagement_events)
       values ($1, $2, $3, $4, $4, $5, $6, 'https://site.test/', 'https://site.test/', '/', '/', $7, $8, 0)`,
      [
        project,
        session,
        user,
        first,
        steps.length,
        steps.filter(([name]) => name === 'page_view').length,
        source,
        options.bot ?? false,
      ],
    );
  };
  const page = (path: string): [string, string] => ['page_view', `https://site.test${path}`];
  const signup: [string, string] = ['signup', 'https://site.test/pricing'];

  // 2024-02-01: seven visitors.
  await visit('s1', 'u1', 'Google', [page('/'), page('/pricing'), signup, signup]);
  // /blog/hello is a blog post (`*`); /blog/2024/deep is not (`*` stops at /).
  await visit('s2', 'u2', 'Google', [page('/blog/hello'), page('/blog/2024/deep')]);
  await visit('s3', 'u3', 'Direct / None', [page('/docs/a/b/c'), signup]);
  await visit('s4', 'u4', 'Direct / None', [page('/')]);
  // /pricing with a query string is /pricing; /docs alone is not under /docs/**.
  await visit('s5', 'u5', 'Twitter', [page('/pricing?plan=pro'), page('/docs')]);
  // `Signup` is not `signup`: event names are exact.
  await visit('s7', 'u7', 'Google', [['Signup', 'https://site.test/'], page('/blog/x')]);
  await visit('s8', 'u8', 'Twitter', [signup]);
  // Never counted: a crawler, another project, the day after.
  await visit('s6', 'u6', 'Google', [page('/pricing'), signup], { bot: true });
  await visit('sb', 'ub', 'Google', [page('/pricing'), signup], { project: t.projectB });
  await visit('s9', 'u1', 'Google', [signup], { day: '2024-02-02' });
  // 2024-01-31, the previous period: four visitors, one signs up.
  await visit('p1', 'p1', 'Google', [page('/'), signup], { day: '2024-01-31' });
  for (const p of ['p2', 'p3', 'p4']) await visit(p, p, 'Direct / None', [page('/')], { day: '2024-01-31' });

  server = await startServer(tdb.readerUrl, { now: () => NOW });
});

afterAll(async () => {
  await server?.close();
  await tdb?.drop();
});

describe('event:goal as a dimension', () => {
  test('each goal: its converters, its completions, and their share of all 7 visitors', async () => {
    const res = await query({
      metrics: ['visitors', 'events', 'conversion_rate'],
      dimensions: ['event:goal'],
    });
    expect(res.status).toBe(200);
    expect(rows(res.body.results)).toEqual([
      ['Every page', 6, 9, 85.71],
      ['Signup', 3, 4, 42.86],
      ['Any blog post', 2, 2, 28.57],
      ['Pricing', 2, 2, 28.57],
      ['Docs, deep', 1, 1, 14.29],
    ]);
  });

  test('by goal and source, group_conversion_rate divides by the source’s visitors', async () => {
    const res = await query({
      metrics: ['visitors', 'group_conversion_rate'],
      dimensions: ['event:goal', 'visit:source'],
    });
    expect(rows(res.body.results)).toEqual([
      ['Every page', 'Google', 3, 100],
      ['Any blog post', 'Google', 2, 66.67],
      ['Every page', 'Direct / None', 2, 100],
      ['Docs, deep', 'Direct / None', 1, 50],
      ['Every page', 'Twitter', 1, 50],
      ['Pricing', 'Google', 1, 33.33],
      ['Pricing', 'Twitter', 1, 50],
      ['Signup', 'Direct / None', 1, 50],
      ['Signup', 'Google', 1, 33.33],
      ['Signup', 'Twitter', 1, 50],
    ]);
  });

  test('visits by goal: the visits that reached each', async () => {
    const res = await query({ metrics: ['visits'], dimensions: ['event:goal'] });
    expect(rows(res.body.results)).toEqual([
      ['Every page', 6],
      ['Signup', 3],
      ['Any blog post', 2],
      ['Pricing', 2],
      ['Docs, deep', 1],
    ]);
  });

  test('a top-level goal filter shows the goals it names, and only them', async () => {
    // The page views of /pricing reach Every page too: that goal is not named, so it has no row.
    const res = await query({
      metrics: ['visitors', 'conversion_rate'],
      dimensions: ['event:goal'],
      filters: [['is', 'event:goal', ['PRICING', 'signup'], { case_sensitive: false }]],
    });
    expect(rows(res.body.results)).toEqual([
      ['Signup', 3, 42.86],
      ['Pricing', 2, 28.57],
    ]);
  });

  test('a project without goals has no goal rows', async () => {
    const res = await post(
      '/api/v2/query',
      { site_id: bare.projectId, date_range: DAY, metrics: ['visitors'], dimensions: ['event:goal'] },
      bare.readKey,
    );
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([]);
  });
});

describe('event:goal filters', () => {
  test('is: the goal’s converters and completions, and the conversion rate', async () => {
    const res = await query({
      metrics: ['visitors', 'events', 'conversion_rate'],
      filters: [['is', 'event:goal', ['Signup']]],
    });
    expect(rows(res.body.results)).toEqual([[3, 4, 42.86]]);
  });

  test('page goals: `*` within one segment, `**` across segments, the query string aside', async () => {
    const of = async (goal: string) =>
      rows(
        (await query({ metrics: ['visitors', 'pageviews'], filters: [['is', 'event:goal', [goal]]] })).body
          .results,
      );
    expect(await of('Any blog post')).toEqual([[2, 2]]);
    expect(await of('Docs, deep')).toEqual([[1, 1]]);
    expect(await of('Pricing')).toEqual([[2, 2]]);
  });

  test('a name no goal has matches nothing; is_not keeps the events reaching none of the named goals', async () => {
    expect(
      rows(
        (await query({ metrics: ['visitors', 'conversion_rate'], filters: [['is', 'event:goal', ['Nope']]] }))
          .body.results,
      ),
    ).toEqual([[0, 0]]);
    expect(
      rows(
        (
          await query({
            metrics: ['visitors', 'events'],
            filters: [['is_not', 'event:goal', ['Signup']]],
          })
        ).body.results,
      ),
    ).toEqual([[6, 10]]);
  });

  test('with a visit:source breakdown: converters, group_conversion_rate by source, conversion_rate of all', async () => {
    const res = await query({
      metrics: ['visitors', 'group_conversion_rate', 'conversion_rate'],
      dimensions: ['visit:source'],
      filters: [['is', 'event:goal', ['Signup']]],
    });
    expect(rows(res.body.results)).toEqual([
      ['Direct / None', 1, 50, 14.29],
      ['Google', 1, 33.33, 14.29],
      ['Twitter', 1, 50, 14.29],
    ]);
  });

  test('on visit metrics: the visits that reached the goal', async () => {
    const res = await query({ metrics: ['visits'], filters: [['is', 'event:goal', ['Any blog post']]] });
    expect(rows(res.body.results)).toEqual([[2]]);
  });

  test('compared with the previous period: conversion_rate changes in points', async () => {
    const res = await query({
      metrics: ['visitors', 'conversion_rate'],
      filters: [['is', 'event:goal', ['Signup']]],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      {
        dimensions: [],
        metrics: [3, 42.86],
        comparison: { dimensions: [], metrics: [1, 25], change: [200, 17.9] },
      },
    ]);
  });

  test('compared by source: each source’s conversion rate of all visitors of its period', async () => {
    const res = await query({
      metrics: ['conversion_rate'],
      dimensions: ['visit:source'],
      filters: [['is', 'event:goal', ['Signup']]],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(
      res.body.results.map((r) => [
        r.dimensions[0],
        r.metrics[0],
        r.comparison!.metrics[0],
        r.comparison!.change[0],
      ]),
    ).toEqual([
      ['Direct / None', 14.29, 0, 14.3],
      ['Google', 14.29, 25, -10.7],
      ['Twitter', 14.29, 0, 14.3],
    ]);
  });

  test('a funnel filtered by a goal: the visits that reached it', async () => {
    const res = await post('/api/v2/funnel', {
      site_id: t.projectA,
      date_range: DAY,
      filters: [['is', 'event:goal', ['Signup']]],
      steps: [{ page: '/' }, { event: 'signup' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.steps).toMatchObject([
      { label: '/', visitors: 1, visits: 1 },
      { label: 'signup', visitors: 1, visits: 1 },
    ]);
  });
});

describe('refusals', () => {
  test('a conversion rate without event:goal is a 400 naming the metric', async () => {
    const res = await query({ metrics: ['visitors', 'conversion_rate'], dimensions: ['visit:source'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^metrics\.1: conversion_rate needs an event:goal filter or dimension/);
  });
});

describe('the explorer', () => {
  test('reads the project’s goals: an event:goal filter lists the page views reaching the goal', async () => {
    const filters = encodeURIComponent(JSON.stringify([['is', 'event:goal', ['Pricing']]]));
    const range = 'from=2024-02-01T00:00:00Z&to=2024-02-02T00:00:00Z';
    const res = await server.get(`/v1/events?project_id=${t.projectA}&${range}&filters=${filters}`, {
      key: t.readKeyA,
    });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as {
      items: Array<{ event_name: string; url: string; context: Record<string, unknown> }>;
    };
    // The two the Stats API counts (s1's /pricing, s5's /pricing?plan=pro) and the crawler's, which
    // the explorer lists as it lists every bot event.
    expect(items.map((e) => [e.event_name, e.url, e.context.bot ?? null])).toEqual([
      ['page_view', 'https://site.test/pricing', 'crawler'],
      ['page_view', 'https://site.test/pricing?plan=pro', null],
      ['page_view', 'https://site.test/pricing', null],
    ]);
  });
});
