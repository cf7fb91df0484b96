/**
 * Given known events of two projects in a private database, when clients POST Plausible Stats API
 * v2 queries to /api/v2/query, then every metric is the exact count of the matching human events,
 * days and hours are the chosen zone's (a +05:30 day boundary, New York's 23 h and 25 h days), bots
 * and the other project never count, filters, ordering and pagination behave as Plausible
 * documents, and mistakes are 400/401/404 with `{ "error": "<message naming the field>" }`.
 */
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import {
  fillVisitorKeys,
  insertEvents,
  insertKey,
  insertProject,
  insertVisitsOfEvents,
  seedTenants,
  type EventFixture,
  type Tenants,
} from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';
import { sessionCookie } from '../test-support/session';
import { statsRequests } from '../test-support/stats-requests';
import { planQuery } from './plan';
import { parseQuery, StatsRequest } from './query';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;

/** "Now" for the presets: noon UTC on New York's 25-hour day. */
const NOW = Date.parse('2024-11-03T12:00:00Z');

/** A success or an error body, as the tests read them. */
interface Answer {
  results: Array<{ dimensions: string[]; metrics: number[] }>;
  meta: { time_labels?: string[]; total_rows?: number };
  query: Record<string, unknown> & { date_range: string[] };
  error: string;
}

/** POSTs `body` with `key` as the Bearer token (null: no Authorization header). */
async function query(body: unknown, key: string | null = t.readKeyA) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${server.url}/api/v2/query`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

const rows = (body: Pick<Answer, 'results'>) => body.results.map((r) => [...r.dimensions, ...r.metrics]);

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl, { now: () => NOW });
  const A = t.projectA;
  const day = (time: string) => new Date(`2024-01-10T${time}Z`);
  const events: EventFixture[] = [
    // 2024-01-10 (UTC): three visitors, one of them anonymous.
    {
      project_id: A,
      session_id: 's1',
      user_id: 'u1',
      event_name: 'page_view',
      ts: day('09:00:00'),
      url: 'https://site.test/a?x=1',
    },
    {
      project_id: A,
      session_id: 's1',
      user_id: 'u1',
      event_name: 'page_view',
      ts: day('09:01:00'),
      url: 'https://site.test/a',
    },
    {
      project_id: A,
      session_id: 's1',
      user_id: 'u1',
      event_name: 'page_view',
      ts: day('09:02:00'),
      url: 'https://site.test/b#top',
    },
    {
      project_id: A,
      session_id: 's1',
      user_id: 'u1',
      event_name: 'click',
      ts: day('09:03:00'),
      url: 'https://site.test/b',
      metadata: { button: 'buy' },
    },
    {
      project_id: A,
      session_id: 's2',
      user_id: 'u2',
      event_name: 'page_view',
      ts: day('10:00:00'),
      url: '/a',
    },
    {
      project_id: A,
      session_id: 's2',
      user_id: 'u2',
      event_name: 'page_view',
      ts: day('10:05:00'),
      url: 'https://site.test/pricing',
    },
    {
      project_id: A,
      session_id: 's3',
      anonymous_id: 'a3',
      event_name: 'page_view',
      ts: day('11:00:00'),
      url: '/blog/post-1',
    },
    {
      project_id: A,
      session_id: 's3',
      anonymous_id: 'a3',
      event_name: 'signup',
      ts: day('11:10:00'),
      url: '/blog/post-1',
      metadata: { plan: 'pro' },
    },
    // s4: u2's second visit, a one-page bounce at 20:00Z (01:30 the next day in Kolkata).
    {
      project_id: A,
      session_id: 's4',
      user_id: 'u2',
      event_name: 'page_view',
      ts: day('20:00:00'),
      url: 'https://site.test/pricing',
    },
    // A crawler on /a, and project B on /a: neither ever counts for A.
    {
      project_id: A,
      session_id: 's9',
      user_id: 'u9',
      event_name: 'page_view',
      ts: day('12:00:00'),
      url: '/a',
      context: { bot: 'crawler' },
    },
    { project_id: t.projectB, user_id: 'b1', event_name: 'page_view', ts: day('12:00:00'), url: '/a' },

    // Asia/Kolkata (+05:30): 18:29:59Z is 23:59:59 on the 1st, 18:30Z midnight on the 2nd.
    {
      project_id: A,
      user_id: 'k1',
      event_name: 'page_view',
      ts: new Date('2024-01-01T18:29:59Z'),
      url: '/k',
    },
    {
      project_id: A,
      user_id: 'k2',
      event_name: 'page_view',
      ts: new Date('2024-01-01T18:30:00Z'),
      url: '/k',
    },

    // America/New_York, clocks forward on 2024-03-10 (a 23-hour day, 05:00Z to 04:00Z).
    ...['2024-03-10T04:59:59Z', '2024-03-10T05:00:00Z', '2024-03-11T03:59:59Z', '2024-03-11T04:30:00Z'].map(
      (iso): EventFixture => ({
        project_id: A,
        user_id: 'n1',
        event_name: 'page_view',
        ts: new Date(iso),
        url: '/n',
      }),
    ),
    // Clocks back on 2024-11-03 (a 25-hour day, 04:00Z to 05:00Z the next day); 05:30Z and 06:30Z
    // are both 01:30 on the wall clock.
    ...[
      '2024-11-03T03:59:59Z',
      '2024-11-03T04:00:00Z',
      '2024-11-03T05:30:00Z',
      '2024-11-03T06:30:00Z',
      '2024-11-04T04:30:00Z',
      '2024-11-04T05:00:00Z',
    ].map((iso): EventFixture => ({
      project_id: A,
      user_id: 'n2',
      event_name: 'page_view',
      ts: new Date(iso),
      url: '/n',
    })),
  ];
  await insertEvents(
    tdb.owner,
    events.map((e) => ({ ...e, session_id: e.session_id ?? randomUUID() })),
  );
  // The visits of 2024-01-10, as the projection would write them (analytics 003) from the events
  // above: s4 is a one-page bounce of u2 at 20:00Z (01:30 the next day in Kolkata); s9 a bot's.
  const visits: Visit[] = [
    {
      session_id: 's1',
      user_id: 'u1',
      first: '09:00:00',
      last: '09:03:00',
      page_views: 3,
      engagement: 1,
      entry: '/a',
      exit: '/b',
      source: 'Google',
      utm_source: 'google',
      device: 'Desktop',
      versions: ['125', '6.8'],
      country: 'DE',
    },
    {
      session_id: 's2',
      user_id: 'u2',
      first: '10:00:00',
      last: '10:05:00',
      page_views: 2,
      engagement: 0,
      entry: '/a',
      exit: '/pricing',
      source: 'Direct / None',
      device: 'Desktop',
      versions: ['124', '6.8'],
      country: 'US',
    },
    {
      session_id: 's3',
      anonymous_id: 'a3',
      first: '11:00:00',
      last: '11:10:00',
      page_views: 1,
      engagement: 1,
      entry: '/blog/post-1',
      exit: '/blog/post-1',
      source: 'Google',
      utm_source: 'google',
      device: 'Mobile',
      versions: ['17', '17.4'],
      country: 'US',
    },
    {
      session_id: 's4',
      user_id: 'u2',
      first: '20:00:00',
      last: '20:00:00',
      page_views: 1,
      engagement: 0,
      entry: '/pricing',
      exit: '/pricing',
      source: 'Direct / None',
      device: 'Desktop',
      versions: ['125', null],
      country: 'US',
    },
    {
      session_id: 's9',
      user_id: 'u9',
      first: '12:00:00',
      last: '12:00:00',
      page_views: 1,
      engagement: 0,
      entry: '/a',
      exit: '/a',
      source: 'Direct / None',
      device: 'Desktop',
      country: 'US',
      is_bot: true,
    },
  ];
  for (const v of visits) await insertVisit(A, v);
  await insertVisit(t.projectB, {
    session_id: 'sb',
    user_id: 'b1',
    first: '12:00:00',
    last: '12:00:00',
    page_views: 1,
    engagement: 0,
    entry: '/a',
    exit: '/a',
    source: 'Google',
    device: 'Desktop',
    country: 'US',
  });
  await fillVisitorKeys(tdb.owner);
});

interface Visit {
  session_id: string;
  user_id?: string;
  anonymous_id?: string;
  /** Times on 2024-01-10, UTC. */
  first: string;
  last: string;
  page_views: number;
  engagement: number;
  entry: string;
  exit: string;
  source: string;
  utm_source?: string;
  device: string;
  /** The browser's and the OS's version. */
  versions?: [string | null, string | null];
  country: string;
  is_bot?: boolean;
}

async function insertVisit(projectId: string, v: Visit): Promise<void> {
  await tdb.owner.query(
    `insert into analytics.sessions (project_id, session_id, user_id, anonymous_id, first_seen, last_seen,
       event_count, page_views, entry_url, exit_url, entry_path, exit_path, source, utm_source, device_type,
       country, is_bot, engagement_events, browser_version, os_version)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
    [
      projectId,
      v.session_id,
      v.user_id ?? null,
      v.anonymous_id ?? null,
      new Date(`2024-01-10T${v.first}Z`),
      new Date(`2024-01-10T${v.last}Z`),
      v.page_views + v.engagement,
      v.page_views,
      `https://site.test${v.entry}`,
      `https://site.test${v.exit}`,
      v.entry,
      v.exit,
      v.source,
      v.utm_source ?? null,
      v.device,
      v.country,
      v.is_bot ?? false,
      v.engagement,
      v.versions?.[0] ?? null,
      v.versions?.[1] ?? null,
    ],
  );
}

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

const JAN_10 = ['2024-01-10', '2024-01-10'];

describe('metrics', () => {
  test('visitors, pageviews and events over a day are exact; bots and project B left out', async () => {
    const { status, body } = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'pageviews', 'events'],
      date_range: JAN_10,
    });
    expect(status).toBe(200);
    expect(body.results).toEqual([{ metrics: [3, 7, 9], dimensions: [] }]);
    expect(body.meta).toEqual({});
    expect(body.query).toMatchObject({
      site_id: t.projectA,
      metrics: ['visitors', 'pageviews', 'events'],
      date_range: ['2024-01-10T00:00:00+00:00', '2024-01-10T23:59:59+00:00'],
      dimensions: [],
      filters: [],
      pagination: { limit: 10000, offset: 0 },
      timezone: 'UTC',
    });
  });

  test('an empty range answers one row of zeros', async () => {
    const { body } = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'pageviews'],
      date_range: ['2023-01-01', '2023-01-31'],
    });
    expect(body.results).toEqual([{ metrics: [0, 0], dimensions: [] }]);
  });

  test('a pair of date-times includes both ends', async () => {
    const { body } = await query({
      site_id: t.projectA,
      metrics: ['events'],
      date_range: ['2024-01-10T09:01:00Z', '2024-01-10T10:00:00+00:00'],
    });
    expect(body.results[0]!.metrics).toEqual([4]); // 09:01, 09:02, 09:03, 10:00
  });

  test('percentage is each row’s share of all visitors, one decimal', async () => {
    const { body } = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'events', 'percentage'],
      date_range: JAN_10,
      dimensions: ['event:name'],
    });
    expect(rows(body)).toEqual([
      ['page_view', 3, 7, 100],
      ['click', 1, 1, 33.3],
      ['signup', 1, 1, 33.3],
    ]);
  });

  // The total a percentage divides by is the visitors of the same filtered events, computed in
  // the statement of the rows (from their grouping or on its own): each row, against the visitors
  // the API gives for the same filters without a dimension.
  test.each([
    ['event:page', []],
    ['event:page', [['is', 'visit:source', ['Google']]]],
    ['event:page', [['is', 'event:name', ['page_view']]]],
    ['visit:source', []],
    ['visit:source', [['contains', 'event:page', ['/a']]]],
    ['visit:source', [['is_not', 'visit:source', ['Google']]]],
    [
      'event:name',
      [
        ['is', 'visit:source', ['Google']],
        ['is', 'event:page', ['/a']],
      ],
    ],
  ])(
    'percentage by %s with filters %j: each row’s visitors over the filtered total',
    async (dimension, filters) => {
      const asked = { site_id: t.projectA, date_range: JAN_10, filters };
      const total = (await query({ ...asked, metrics: ['visitors'] })).body.results[0]!.metrics[0]!;
      const { status, body } = await query({
        ...asked,
        metrics: ['visitors', 'percentage'],
        dimensions: [dimension],
      });
      expect(status).toBe(200);
      expect(total).toBeGreaterThan(0);
      expect(body.results.length).toBeGreaterThan(0);
      for (const { metrics } of body.results)
        expect(metrics[1]).toBe(Math.round((1000 * metrics[0]!) / total) / 10);
    },
  );
});

describe('visit metrics (analytics.sessions)', () => {
  test('visits, bounce rate, visit duration and views per visit: exact, bots left out', async () => {
    const { status, body } = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'visits', 'bounce_rate', 'visit_duration', 'views_per_visit'],
      date_range: JAN_10,
    });
    expect(status).toBe(200);
    // s1-s4: s4 bounced (1 of 4), durations 180, 300, 600, 0 s, page views 3 + 2 + 1 + 1.
    expect(body.results).toEqual([{ metrics: [3, 4, 25, 270, 1.75], dimensions: [] }]);
  });

  test('by source: event metrics by each event’s visit, visit metrics by the visit', async () => {
    const { body } = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'visits', 'bounce_rate', 'pageviews'],
      date_range: JAN_10,
      dimensions: ['visit:source'],
    });
    expect(rows(body)).toEqual([
      ['Google', 2, 2, 0, 4],
      ['Direct / None', 1, 2, 50, 3],
    ]);
  });

  test('by entry page and by device', async () => {
    const entry = await query({
      site_id: t.projectA,
      metrics: ['visits', 'visit_duration'],
      date_range: JAN_10,
      dimensions: ['visit:entry_page'],
    });
    expect(rows(entry.body)).toEqual([
      ['/a', 2, 240],
      ['/blog/post-1', 1, 600],
      ['/pricing', 1, 0],
    ]);
    const device = await query({
      site_id: t.projectA,
      metrics: ['visitors'],
      date_range: JAN_10,
      dimensions: ['visit:device'],
    });
    expect(rows(device.body)).toEqual([
      ['Desktop', 2],
      ['Mobile', 1],
    ]);
    // The browser's and the OS's version, as the entry event gave them: s4 (u2) names no OS version.
    const versions = async (dimension: string) =>
      rows(
        (
          await query({
            site_id: t.projectA,
            metrics: ['visitors'],
            date_range: JAN_10,
            dimensions: [dimension],
          })
        ).body,
      );
    expect(await versions('visit:browser_version')).toEqual([
      ['125', 2],
      ['124', 1],
      ['17', 1],
    ]);
    expect(await versions('visit:os_version')).toEqual([
      ['6.8', 2],
      ['17.4', 1],
      ['(none)', 1],
    ]);
    // visit:screen is Plausible's other name for it, as a dimension and as a filter.
    const screen = await query({
      site_id: t.projectA,
      metrics: ['visitors'],
      date_range: JAN_10,
      dimensions: ['visit:screen'],
      filters: [['is_not', 'visit:screen', ['Tablet']]],
    });
    expect(rows(screen.body)).toEqual(rows(device.body));
    expect(screen.body.query.dimensions).toEqual(['visit:screen']);
  });

  test('filters: a visit property on both sides, an event property as "has such an event"', async () => {
    const us = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'visits'],
      date_range: JAN_10,
      filters: [['is', 'visit:country', ['US']]],
    });
    expect(us.body.results[0]!.metrics).toEqual([2, 3]);
    const pricing = await query({
      site_id: t.projectA,
      metrics: ['visits'],
      date_range: JAN_10,
      filters: [['is', 'event:page', ['/pricing']]],
    });
    expect(pricing.body.results[0]!.metrics).toEqual([2]); // s2 and s4
    const notA = await query({
      site_id: t.projectA,
      metrics: ['visits'],
      date_range: JAN_10,
      filters: [['is_not', 'event:page', ['/a']]],
    });
    expect(notA.body.results[0]!.metrics).toEqual([2]); // s3, s4
  });

  test('a visit counts on the day it starts, in the zone: s4 (20:00Z) is on the next day in Kolkata', async () => {
    const { body } = await query({
      site_id: t.projectA,
      metrics: ['visits', 'pageviews'],
      date_range: ['2024-01-10', '2024-01-11'],
      dimensions: ['time:day'],
      timezone: 'Asia/Kolkata',
    });
    expect(rows(body)).toEqual([
      ['2024-01-10', 3, 6],
      ['2024-01-11', 1, 1],
    ]);
  });

  test('visit metrics by an event dimension: a visit counts under every page (name) it had', async () => {
    const pages = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'visits', 'bounce_rate', 'visit_duration'],
      date_range: JAN_10,
      dimensions: ['event:page'],
    });
    // s1 had /a and /b, s2 /a and /pricing, s3 /blog/post-1, s4 /pricing; the bot's s9 none counted.
    expect(rows(pages.body)).toEqual([
      ['/a', 2, 2, 0, 240],
      ['/b', 1, 1, 0, 180],
      ['/blog/post-1', 1, 1, 0, 600],
      ['/pricing', 1, 2, 50, 150],
    ]);
    const names = await query({
      site_id: t.projectA,
      metrics: ['visits', 'views_per_visit'],
      date_range: JAN_10,
      dimensions: ['event:name', 'visit:device'],
    });
    expect(rows(names.body)).toEqual([
      ['page_view', 'Desktop', 3, 2],
      ['click', 'Desktop', 1, 3],
      ['page_view', 'Mobile', 1, 1],
      ['signup', 'Mobile', 1, 1],
    ]);
  });

  test('visit metrics by an event dimension, filtered on an event dimension: a visit counts under the values of the events the filter keeps, as its visitors do', async () => {
    const byPage = (filters: unknown[]) =>
      query({
        site_id: t.projectA,
        metrics: ['visitors', 'visits'],
        date_range: JAN_10,
        dimensions: ['event:page'],
        filters,
      }).then((r) => rows(r.body));
    // s1's click is on /b: not /a, where s1 only viewed pages.
    expect(await byPage([['is', 'event:name', ['click']]])).toEqual([['/b', 1, 1]]);
    // s3's signup has plan pro; its page view, no plan: no `(none)` row of the page view.
    const plans = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'visits'],
      date_range: JAN_10,
      dimensions: ['event:props:plan'],
      filters: [['is', 'event:name', ['signup']]],
    });
    expect(rows(plans.body)).toEqual([['pro', 1, 1]]);
    // has_done asks about the visit, not each event: every page of the visits that clicked (s1).
    expect(await byPage([['has_done', ['is', 'event:name', ['click']]]])).toEqual([
      ['/a', 1, 1],
      ['/b', 1, 1],
    ]);
  });
});

describe('breakdowns, order and pagination', () => {
  test('by page: the URL path, visitors descending then the page', async () => {
    const { body } = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'pageviews', 'events'],
      date_range: JAN_10,
      dimensions: ['event:page'],
    });
    expect(rows(body)).toEqual([
      ['/a', 2, 3, 3],
      ['/b', 1, 1, 2],
      ['/blog/post-1', 1, 1, 2],
      ['/pricing', 1, 2, 2],
    ]);
  });

  test('order_by and pagination, with total_rows', async () => {
    const ordered = await query({
      site_id: t.projectA,
      metrics: ['pageviews'],
      date_range: JAN_10,
      dimensions: ['event:page'],
      order_by: [
        ['pageviews', 'asc'],
        ['event:page', 'desc'],
      ],
    });
    expect(rows(ordered.body)).toEqual([
      ['/blog/post-1', 1],
      ['/b', 1],
      ['/pricing', 2],
      ['/a', 3],
    ]);
    const page = await query({
      site_id: t.projectA,
      metrics: ['visitors'],
      date_range: JAN_10,
      dimensions: ['event:page'],
      pagination: { limit: 2, offset: 1 },
      include: { total_rows: true },
    });
    expect(rows(page.body)).toEqual([
      ['/b', 1],
      ['/blog/post-1', 1],
    ]);
    expect(page.body.meta).toEqual({ total_rows: 4 });
    const past = await query({
      site_id: t.projectA,
      metrics: ['visitors'],
      date_range: JAN_10,
      dimensions: ['event:page'],
      pagination: { limit: 2, offset: 10 },
      include: { total_rows: true },
    });
    expect(past.body.results).toEqual([]);
    expect(past.body.meta).toEqual({ total_rows: 0 });
  });

  test('pages of one row, one after another, are the unpaginated rows in order', async () => {
    const body = {
      site_id: t.projectA,
      metrics: ['visitors', 'events'],
      date_range: JAN_10,
      dimensions: ['event:name', 'event:page'],
    };
    const all = rows((await query(body)).body);
    expect(all.length).toBe(6);
    const paged = [];
    for (let offset = 0; offset < all.length + 1; offset++) {
      paged.push(...rows((await query({ ...body, pagination: { limit: 1, offset } })).body));
    }
    expect(paged).toEqual(all);
  });

  test('custom properties and host names; an event without the property is (none)', async () => {
    const props = await query({
      site_id: t.projectA,
      metrics: ['events'],
      date_range: JAN_10,
      dimensions: ['event:props:plan'],
    });
    expect(rows(props.body)).toEqual([
      ['(none)', 8],
      ['pro', 1],
    ]);
    const hosts = await query({
      site_id: t.projectA,
      metrics: ['events'],
      date_range: JAN_10,
      dimensions: ['event:hostname'],
      filters: [['is_not', 'event:hostname', ['other.test']]],
    });
    expect(rows(hosts.body)).toEqual([
      ['site.test', 6],
      ['(none)', 3],
    ]);
  });

  test('visit:referrer is Plausible’s: host without www. and path, Direct / None for none or internal', async () => {
    const site = await insertProject(tdb.owner, 'Referrers');
    const { key } = await insertKey(tdb.owner, site, 'read');
    const referrers: Array<string | null> = [
      'https://www.Google.com/search?q=x',
      'https://news.ycombinator.com/',
      'https://news.ycombinator.com',
      null,
      'https://site.test/other', // the site's own page: internal navigation
      'android-app://com.slack', // not an http(s) URL
      'http://user@blog.example.org:8080/posts/1/?a=b#c',
    ];
    await insertEvents(
      tdb.owner,
      referrers.map((referrer, i) => ({
        project_id: site,
        session_id: `r${i}`,
        anonymous_id: `visitor-${i}`,
        event_name: 'page_view',
        ts: new Date('2024-01-10T10:00:00Z'),
        url: 'https://www.site.test/landing',
        referrer,
      })),
    );
    await insertVisitsOfEvents(tdb.owner);
    await fillVisitorKeys(tdb.owner);
    const ask = async (body: Record<string, unknown>) =>
      rows((await query({ site_id: site, metrics: ['visitors'], date_range: JAN_10, ...body }, key)).body);
    const expected = [
      ['Direct / None', 3],
      ['news.ycombinator.com', 2],
      ['blog.example.org/posts/1', 1],
      ['google.com/search', 1],
    ];
    expect(await ask({ dimensions: ['visit:referrer'] })).toEqual(expected);
    // The same values on the events side (a per-event filter sends visitors through the events).
    expect(
      await ask({ dimensions: ['visit:referrer'], filters: [['is', 'event:name', ['page_view']]] }),
    ).toEqual(expected);
    // A row's value filters to that row.
    expect(await ask({ filters: [['is', 'visit:referrer', ['news.ycombinator.com']]] })).toEqual([[2]]);
    expect(await ask({ filters: [['is', 'visit:referrer', ['Direct / None']]] })).toEqual([[3]]);
    expect(await ask({ filters: [['contains', 'visit:referrer', ['example.org/posts']]] })).toEqual([[1]]);
  });

  test('a filter on the (none) label matches the rows without a value, as that row counts them', async () => {
    const events = async (filters: unknown[]) =>
      (await query({ site_id: t.projectA, metrics: ['events'], date_range: JAN_10, filters })).body
        .results[0]!.metrics[0];
    expect(await events([['is', 'event:props:plan', ['(none)']]])).toBe(8);
    // Plausible's label of a missing value, for a client written against it.
    expect(await events([['is', 'event:props:plan', ['(not set)']]])).toBe(8);
    // And the empty value Plausible stores for a missing one (its example: is_not visit:country_name "").
    expect(await events([['is', 'event:props:plan', ['']]])).toBe(8);
    expect(await events([['is_not', 'event:props:plan', ['']]])).toBe(1);
    expect(await events([['is', 'event:props:plan', ['(none)', 'pro']]])).toBe(9);
    expect(await events([['is_not', 'event:props:plan', ['(none)']]])).toBe(1);
    expect(await events([['is', 'event:hostname', ['(none)']]])).toBe(3);
    // A label inside a has_done's filter too: visits with an event without the property.
    expect(await events([['has_done', ['is', 'event:props:plan', ['(none)']]]])).toBe(9);
  });
});

describe('filters', () => {
  const aggregate = async (filters: unknown[]) =>
    (
      await query({
        site_id: t.projectA,
        metrics: ['visitors', 'pageviews', 'events'],
        date_range: JAN_10,
        filters,
      })
    ).body.results[0]!.metrics;

  test('is, is_not, contains (case-sensitive unless asked), matches', async () => {
    expect(await aggregate([['is', 'event:page', ['/a']]])).toEqual([2, 3, 3]);
    expect(await aggregate([['is', 'event:page', ['/a', '/pricing']]])).toEqual([2, 5, 5]);
    expect(await aggregate([['is_not', 'event:page', ['/a']]])).toEqual([3, 4, 6]);
    expect(await aggregate([['contains', 'event:page', ['blog']]])).toEqual([1, 1, 2]);
    expect(await aggregate([['contains', 'event:page', ['BLOG']]])).toEqual([0, 0, 0]);
    expect(await aggregate([['contains', 'event:page', ['BLOG'], { case_sensitive: false }]])).toEqual([
      1, 1, 2,
    ]);
    expect(await aggregate([['contains', 'event:page', ['%']]])).toEqual([0, 0, 0]); // a literal %
    expect(await aggregate([['contains_not', 'event:page', ['blog']]])).toEqual([2, 6, 7]);
    expect(await aggregate([['matches', 'event:page', ['^/(a|b)$']]])).toEqual([2, 4, 5]);
    expect(await aggregate([['is', 'event:props:button', ['buy']]])).toEqual([1, 0, 1]);
  });

  test('matches_wildcard(_not): `*` any characters but `/`, `**` any, the rest literal, the whole page', async () => {
    expect(await aggregate([['matches_wildcard', 'event:page', ['/b*']]])).toEqual([1, 1, 2]); // /b alone
    expect(await aggregate([['matches_wildcard', 'event:page', ['/b**']]])).toEqual([2, 2, 4]); // and /blog/post-1
    expect(await aggregate([['matches_wildcard', 'event:page', ['/blog/*']]])).toEqual([1, 1, 2]);
    expect(await aggregate([['matches_wildcard', 'event:page', ['/blog']]])).toEqual([0, 0, 0]);
    // `.` and `?` are literal, not a regular expression's.
    expect(await aggregate([['matches_wildcard', 'event:page', ['/blog/post.1', '/blog/post?1']]])).toEqual([
      0, 0, 0,
    ]);
    expect(
      await aggregate([['matches_wildcard', 'event:page', ['/A', '/PRICING'], { case_sensitive: false }]]),
    ).toEqual(await aggregate([['is', 'event:page', ['/a', '/pricing']]]));
    expect(await aggregate([['matches_wildcard_not', 'event:page', ['/b**']]])).toEqual(
      await aggregate([['matches_not', 'event:page', ['^/b']]]),
    );
    expect(await aggregate([['matches_wildcard', 'event:page', ['/*']]])).toEqual(
      await aggregate([['is', 'event:page', ['/a', '/b', '/pricing']]]),
    );
  });

  test('and, or, not; several top-level filters all apply', async () => {
    expect(
      await aggregate([
        [
          'or',
          [
            ['is', 'event:page', ['/a']],
            ['is', 'event:name', ['signup']],
          ],
        ],
      ]),
    ).toEqual([3, 3, 4]);
    expect(await aggregate([['not', ['is', 'event:name', ['page_view']]]])).toEqual([2, 0, 2]);
    expect(
      await aggregate([
        ['is', 'event:name', ['page_view']],
        ['contains', 'event:page', ['/b']],
      ]),
    ).toEqual([2, 2, 2]); // /b and /blog/post-1
    expect(
      await aggregate([
        [
          'and',
          [
            ['is', 'event:name', ['page_view']],
            ['not', ['is', 'event:page', ['/a']]],
          ],
        ],
      ]),
    ).toEqual([3, 4, 4]);
  });

  // Plausible's behavioral filters: the visits that did (not) do something, whatever else the
  // filters keep of their events. On 2024-01-10: s1 (u1: /a, /a, /b, a click), s2 (u2: /a, /pricing),
  // s3 (a3: /blog/post-1, a signup with plan pro), s4 (u2: /pricing).
  test('has_done and has_not_done keep the events of the visits that did (not) do an event', async () => {
    expect(await aggregate([['has_done', ['is', 'event:name', ['click']]]])).toEqual([1, 3, 4]); // s1
    expect(await aggregate([['has_not_done', ['is', 'event:page', ['/a']]]])).toEqual([2, 2, 3]); // s3, s4
    expect(await aggregate([['has_done', ['is', 'event:props:plan', ['pro']]]])).toEqual([1, 1, 2]); // s3
    expect(await aggregate([['not', ['has_done', ['is', 'event:name', ['click']]]]])).toEqual([2, 4, 5]);
    // Beside an event filter: the page views of /pricing in visits that also viewed /a (s2's).
    expect(
      await aggregate([
        ['has_done', ['is', 'event:page', ['/a']]],
        ['is', 'event:page', ['/pricing']],
      ]),
    ).toEqual([1, 1, 1]);
  });

  test('has_done by a dimension: every event of the visits that did it, not only the matching ones', async () => {
    const visitedPricing = [
      'has_done',
      [
        'and',
        [
          ['is', 'event:name', ['page_view']],
          ['is', 'event:page', ['/pricing']],
        ],
      ],
    ];
    const byPage = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'pageviews'],
      date_range: JAN_10,
      dimensions: ['event:page'],
      filters: [visitedPricing],
    });
    expect(rows(byPage.body)).toEqual([
      ['/a', 1, 1],
      ['/pricing', 1, 2],
    ]); // s2's /a and /pricing, s4's /pricing
    const bySource = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'visits', 'bounce_rate'],
      date_range: JAN_10,
      dimensions: ['visit:source'],
      filters: [['has_not_done', ['is', 'event:name', ['click']]]],
    });
    expect(rows(bySource.body)).toEqual([
      ['Direct / None', 1, 2, 50], // s2, s4 (u2): s4 bounced
      ['Google', 1, 1, 0], // s3 (a3)
    ]);
    const mixed = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'visits'],
      date_range: JAN_10,
      dimensions: ['visit:source'],
      filters: [
        [
          'and',
          [
            ['has_done', ['is', 'event:page', ['/a']]],
            ['is', 'visit:source', ['Google', 'Direct / None']],
          ],
        ],
      ],
    });
    expect(rows(mixed.body)).toEqual([
      ['Direct / None', 1, 1], // s2
      ['Google', 1, 1], // s1
    ]);
  });

  test('a has_done filter on a visit dimension is refused, naming the filter', async () => {
    const { status, body } = await query({
      site_id: t.projectA,
      metrics: ['visitors'],
      date_range: JAN_10,
      filters: [['has_done', ['is', 'visit:source', ['Google']]]],
    });
    expect(status).toBe(400);
    expect(body.error).toBe(
      'filters.0.1: has_done takes a filter on event dimensions only: visit:source is of the visit, not of its events: filter on it beside has_done',
    );
  });
});

describe('the viewer’s time zone', () => {
  test('Asia/Kolkata (+05:30): the day changes at 18:30 UTC', async () => {
    const body = {
      site_id: t.projectA,
      metrics: ['visitors'],
      date_range: ['2024-01-01', '2024-01-02'],
      dimensions: ['time:day'],
      filters: [['is', 'event:page', ['/k']]],
    };
    expect(rows((await query({ ...body, timezone: 'Asia/Kolkata' })).body)).toEqual([
      ['2024-01-01', 1],
      ['2024-01-02', 1],
    ]);
    const utc = await query(body);
    expect(rows(utc.body)).toEqual([['2024-01-01', 2]]);
    const kolkata = await query({
      ...body,
      timezone: 'Asia/Kolkata',
      date_range: ['2024-01-02', '2024-01-02'],
    });
    expect(kolkata.body.query.date_range).toEqual(['2024-01-02T00:00:00+05:30', '2024-01-02T23:59:59+05:30']);
    expect(rows(kolkata.body)).toEqual([['2024-01-02', 1]]);
  });

  test('America/New_York: the 23-hour day of 2024-03-10', async () => {
    const { body } = await query({
      site_id: t.projectA,
      metrics: ['pageviews'],
      date_range: ['2024-03-09', '2024-03-11'],
      dimensions: ['time:day'],
      filters: [['is', 'event:page', ['/n']]],
      timezone: 'America/New_York',
      include: { time_labels: true },
    });
    expect(rows(body)).toEqual([
      ['2024-03-09', 1],
      ['2024-03-10', 2],
      ['2024-03-11', 1],
    ]);
    expect(body.meta.time_labels).toEqual(['2024-03-09', '2024-03-10', '2024-03-11']);
    expect(body.query.date_range).toEqual(['2024-03-09T00:00:00-05:00', '2024-03-11T23:59:59-04:00']);
  });

  test('America/New_York: the 25-hour day of 2024-11-03, by day and by wall-clock hour', async () => {
    const base = {
      site_id: t.projectA,
      metrics: ['pageviews'],
      filters: [['is', 'event:page', ['/n']]],
      timezone: 'America/New_York',
    };
    const days = await query({ ...base, date_range: ['2024-11-02', '2024-11-04'], dimensions: ['time:day'] });
    expect(rows(days.body)).toEqual([
      ['2024-11-02', 1],
      ['2024-11-03', 4],
      ['2024-11-04', 1],
    ]);
    // `day` is today in the zone: NOW is 2024-11-03 07:00 in New York.
    const today = await query({
      ...base,
      date_range: 'day',
      dimensions: ['time:hour'],
      include: { time_labels: true },
    });
    expect(today.body.query.date_range).toEqual(['2024-11-03T00:00:00-04:00', '2024-11-03T23:59:59-05:00']);
    expect(rows(today.body)).toEqual([
      ['2024-11-03 00:00:00', 1],
      ['2024-11-03 01:00:00', 2],
      ['2024-11-03 23:00:00', 1],
    ]);
    expect(today.body.meta.time_labels).toHaveLength(24);
    // Plausible's bare `time`: by hour over one day, by day over three; the answer names the unit.
    const bare = await query({
      ...base,
      date_range: 'day',
      dimensions: ['time'],
      order_by: [['time', 'desc']],
    });
    expect(bare.body.query.dimensions).toEqual(['time:hour']);
    expect(bare.body.query.order_by).toEqual([['time:hour', 'desc']]);
    expect(rows(bare.body)).toEqual(rows(today.body).reverse());
    const threeDays = await query({
      ...base,
      date_range: ['2024-11-02', '2024-11-04'],
      dimensions: ['time'],
    });
    expect(threeDays.body.query.dimensions).toEqual(['time:day']);
    expect(rows(threeDays.body)).toEqual(rows(days.body));
  });

  test('all: from the day of the project’s first human event to the end of today', async () => {
    const { body } = await query({ site_id: t.projectA, metrics: ['events'], date_range: 'all' });
    // Every human event of A but the two of 2024-11-04 (after today, 2024-11-03 in UTC).
    expect(body.results).toEqual([{ metrics: [19], dimensions: [] }]);
    expect(body.query.date_range).toEqual(['2024-01-01T00:00:00+00:00', '2024-11-03T23:59:59+00:00']);
    const empty = await query(
      { site_id: t.projectB, metrics: ['events'], date_range: 'all', timezone: 'Asia/Kolkata' },
      t.readKeyB,
    );
    expect(empty.body.query.date_range[0]).toBe('2024-01-10T00:00:00+05:30');
    // A project without events: today alone (Plausible's [today, today]), not a range ending before it starts.
    const none = await insertProject(tdb.owner, 'No events yet');
    const { key } = await insertKey(tdb.owner, none, 'read');
    const fresh = await query({ site_id: none, metrics: ['visitors', 'events'], date_range: 'all' }, key);
    expect(fresh.status).toBe(200);
    expect(fresh.body.results).toEqual([{ metrics: [0, 0], dimensions: [] }]);
    expect(fresh.body.query.date_range).toEqual(['2024-11-03T00:00:00+00:00', '2024-11-03T23:59:59+00:00']);
  });

  test('all by hour: the labels of at most 400 days, a 400 past them once the first day is read', async () => {
    // A's first human event is on 2024-01-01; `date` moves today, where `all` ends.
    const base = {
      site_id: t.projectA,
      metrics: ['events'],
      date_range: 'all',
      dimensions: ['time:hour'],
      include: { time_labels: true },
    };
    const within = await query({ ...base, date: '2025-01-31' });
    expect(within.status).toBe(200);
    expect(within.body.meta.time_labels).toHaveLength(397 * 24);
    const past = await query({ ...base, date: '2025-02-04' });
    expect(past.status).toBe(400);
    expect(past.body).toEqual({
      error: 'dimensions: time:hour needs a date_range of at most 400 days: use time:day for a longer one',
    });
  });

  test('days outside the calendar are a 400 naming the field, also with labels (they once were a 500)', async () => {
    for (const change of [
      { date_range: ['9999-12-30', '9999-12-31'], dimensions: ['time:day'], include: { time_labels: true } },
      { date_range: 'month', date: '9999-12-31' },
      { date_range: ['0100-01-01', '0100-01-02'], dimensions: ['time:week'], include: { time_labels: true } },
    ]) {
      const { status, body } = await query({ site_id: t.projectA, metrics: ['visitors'], ...change });
      expect(status, JSON.stringify(change)).toBe(400);
      expect(body.error).toMatch(/^(date_range|date): '\d{4}-\d{2}-\d{2}' is outside EventLens's calendar/);
    }
  });

  test('date: the day presets count from, in the zone', async () => {
    const base = { site_id: t.projectA, metrics: ['visitors', 'pageviews', 'events'] };
    const day = await query({ ...base, date_range: 'day', date: '2024-01-10' });
    expect(day.body.results).toEqual((await query({ ...base, date_range: JAN_10 })).body.results);
    expect(day.body.query.date_range).toEqual(['2024-01-10T00:00:00+00:00', '2024-01-10T23:59:59+00:00']);
    const week = await query({ ...base, date_range: '7d', date: '2024-01-16', timezone: 'Asia/Kolkata' });
    // The 7 whole days before `date` (Plausible's 7d leaves today out).
    expect(week.body.query.date_range).toEqual(['2024-01-09T00:00:00+05:30', '2024-01-15T23:59:59+05:30']);
    const months = await query({ ...base, date_range: '3mo', date: '2024-01-16' });
    expect(months.body.query.date_range).toEqual(['2023-10-01T00:00:00+00:00', '2023-12-31T23:59:59+00:00']);
    const month = await query({ ...base, date_range: 'month', date: '2024-01-16' });
    expect(month.body.query.date_range).toEqual(['2024-01-01T00:00:00+00:00', '2024-01-31T23:59:59+00:00']);
    const trimmed = await query({
      ...base,
      date_range: 'month',
      date: '2024-01-16',
      include: { trim_relative_date_range: true },
    });
    expect(trimmed.body.query.date_range).toEqual(['2024-01-01T00:00:00+00:00', '2024-01-16T23:59:59+00:00']);
    expect((trimmed.body.query.include as Record<string, unknown>).trim_relative_date_range).toBe(true);
    const tooMany = await query({ ...base, date_range: '5001d' });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatch(/^date_range: '5001d' is not one of .*<N>d .*<N>mo/);
    const bad = await query({ ...base, date_range: '7d', date: '2024-01-32' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("date: '2024-01-32' is not a date: give it as YYYY-MM-DD, e.g. 2024-01-31");
  });

  test('24h and realtime end now', async () => {
    const base = { site_id: t.projectA, metrics: ['pageviews'], filters: [['is', 'event:page', ['/n']]] };
    const day = await query({ ...base, date_range: '24h', timezone: 'America/New_York' });
    expect(day.body.results[0]!.metrics).toEqual([4]); // 2024-11-03 03:59:59Z … 06:30Z; the 4th is ahead
    expect(day.body.query.date_range).toEqual(['2024-11-02T08:00:00-04:00', '2024-11-03T07:00:00-05:00']);
    expect((await query({ ...base, date_range: 'realtime' })).body.results[0]!.metrics).toEqual([0]);
  });

  test('weeks start on Monday and months on the 1st, in the zone', async () => {
    const base = {
      site_id: t.projectA,
      metrics: ['pageviews'],
      date_range: ['2024-10-28', '2024-11-10'],
      filters: [['is', 'event:page', ['/n']]],
      timezone: 'America/New_York',
    };
    expect(rows((await query({ ...base, dimensions: ['time:week'] })).body)).toEqual([
      ['2024-10-28', 5], // Nov 2 (Saturday) and the four of Sunday Nov 3
      ['2024-11-04', 1],
    ]);
    // A range starting mid-week: its first week is labelled with its first day, as Plausible does.
    const midWeek = await query({
      ...base,
      date_range: ['2024-11-02', '2024-11-10'],
      dimensions: ['time:week'],
      include: { time_labels: true },
    });
    expect(rows(midWeek.body)).toEqual([
      ['2024-11-02', 5],
      ['2024-11-04', 1],
    ]);
    expect(midWeek.body.meta.time_labels).toEqual(['2024-11-02', '2024-11-04']);
    expect(rows((await query({ ...base, dimensions: ['time:month'] })).body)).toEqual([['2024-11-01', 6]]);
  });
});

describe('the plan PostgreSQL runs', () => {
  /**
   * The planner's statement for `request` over the test database, run and explained in a transaction
   * rolled back afterwards: its rows, and its plan with sequential scans taken away (on tables this
   * small one is cheaper, which would hide whether an index qualifies).
   */
  async function planned(request: StatsRequest, project: string) {
    const plan = planQuery(parseQuery(request, project, NOW), {
      events: 'analytics.events',
      sessions: 'analytics.sessions',
      volumeMinute: 'analytics.volume_minute',
      pageViewsHour: 'analytics.page_views_hour',
    });
    // knex.raw's placeholders as node-postgres's ($1, …): the SQL text has no other `?`.
    let n = 0;
    const numbered = plan.sql.replace(/\?/g, () => `$${++n}`);
    const client = await tdb.owner.connect();
    try {
      await client.query('begin');
      const answered = await client.query<Record<string, string | null>>(numbered, plan.bindings);
      await client.query('set local enable_seqscan = off');
      const explained = await client.query<{ 'QUERY PLAN': string }>(`explain ${numbered}`, plan.bindings);
      return { rows: answered.rows, plan: explained.rows.map((r) => r['QUERY PLAN']).join('\n') };
    } finally {
      await client.query('rollback');
      client.release();
    }
  }

  test('page views alone, filtered, can be served by the partial index of human page views (migration 002)', async () => {
    const request = StatsRequest.parse({
      site_id: t.projectA,
      metrics: ['pageviews'],
      date_range: JAN_10,
      dimensions: ['time:hour'],
      filters: [['is', 'event:page', ['/a']]],
    });
    expect((await planned(request, t.projectA)).plan).toContain('events_page_views');
  });

  test('visitors, page views or events by event:page, and visitors filtered by it, read the page indexes (read-model analytics 008), a page too long for the covering one counted too', async () => {
    // A project of its own: a page of 1,001 bytes of UTF-8, over PAGE_INDEX_MAX_BYTES (800), is in
    // events_long_pages; the short page and the event without a URL are in events_pages.
    const project = randomUUID();
    const long = `/${'é'.repeat(500)}`;
    const at = (minute: number) => new Date(Date.UTC(2024, 0, 10, 9, minute));
    await insertEvents(tdb.owner, [
      {
        project_id: project,
        event_name: 'page_view',
        user_id: 'v1',
        ts: at(0),
        url: 'https://site.test/short',
      },
      {
        project_id: project,
        event_name: 'page_view',
        user_id: 'v1',
        ts: at(1),
        url: 'https://site.test/short',
      },
      {
        project_id: project,
        event_name: 'page_view',
        user_id: 'v2',
        ts: at(2),
        url: 'https://site.test/short',
      },
      {
        project_id: project,
        event_name: 'page_view',
        user_id: 'v1',
        ts: at(3),
        url: `https://site.test${long}`,
      },
      {
        project_id: project,
        event_name: 'page_view',
        user_id: 'v3',
        ts: at(4),
        url: `https://site.test${long}?q=1`,
      },
      { project_id: project, event_name: 'signup', user_id: 'v3', ts: at(5) },
      {
        project_id: project,
        event_name: 'page_view',
        user_id: 'bot',
        ts: at(6),
        url: 'https://site.test/short',
        context: { bot: 'Googlebot' },
      },
    ]);
    /** The statement's rows for `body`, and the page indexes its plan reads. */
    const run = async (body: Record<string, unknown>) => {
      const request = StatsRequest.parse({
        site_id: project,
        metrics: ['visitors', 'pageviews', 'events'],
        date_range: JAN_10,
        ...body,
      });
      const { rows, plan } = await planned(request, project);
      return {
        rows: rows.map((r) => [
          ...(r.d0 === undefined ? [] : [r.d0]),
          ...(request.metrics as string[]).map((m) => r[`m_${m}`]),
        ]),
        indexes: ['events_pages', 'events_long_pages'].filter((i) => plan.includes(`using ${i} on`)),
      };
    };
    expect(await run({ dimensions: ['event:page'] })).toEqual({
      rows: [
        // Two visitors each: the tie goes to the page first in order.
        ['/short', '2', '3', '3'],
        [long, '2', '2', '2'],
        [null, '1', '0', '1'],
      ],
      indexes: ['events_pages', 'events_long_pages'],
    });
    // Filtered by a page, without a dimension: the same two arms.
    expect(await run({ filters: [['is', 'event:page', [long]]] })).toEqual({
      rows: [['2', '2', '2']],
      indexes: ['events_pages', 'events_long_pages'],
    });
    // Without visitors, by page: the same two arms, not events_page_views, which has no page. Page
    // views alone (filtered: unfiltered, page_views_hour answers them) leave out the other events.
    const everyName = ['is_not', 'event:name', ['no such event']];
    expect(await run({ metrics: ['pageviews'], dimensions: ['event:page'], filters: [everyName] })).toEqual({
      rows: [
        ['/short', '3'],
        [long, '2'],
      ],
      indexes: ['events_pages', 'events_long_pages'],
    });
    expect(await run({ metrics: ['events'], dimensions: ['event:page'] })).toEqual({
      rows: [
        ['/short', '3'],
        [long, '2'],
        [null, '1'],
      ],
      indexes: ['events_pages', 'events_long_pages'],
    });
  });
});

describe('auth and errors', () => {
  test('a read key of another project is a 404; no key a 401; both in Plausible’s shape', async () => {
    const other = await query({ site_id: t.projectA, metrics: ['visitors'], date_range: 'day' }, t.readKeyB);
    expect(other).toEqual({ status: 404, body: { error: 'site not found' } });
    const own = await query({ site_id: t.projectB, metrics: ['events'], date_range: JAN_10 }, t.readKeyB);
    expect(own.body.results).toEqual([{ metrics: [1], dimensions: [] }]); // B's one event, none of A's
    const missing = await query({ site_id: randomUUID(), metrics: ['visitors'], date_range: 'day' });
    expect(missing).toEqual({ status: 404, body: { error: 'site not found' } });
    const none = await query({ site_id: t.projectA, metrics: ['visitors'], date_range: 'day' }, null);
    expect(none.status).toBe(401);
    expect(typeof none.body.error).toBe('string');
    const revoked = await query(
      { site_id: t.projectA, metrics: ['visitors'], date_range: 'day' },
      t.revokedKeyA,
    );
    expect(revoked.status).toBe(401);
  });

  test('a console session may read a project by site_id', async () => {
    const cookie = sessionCookie({ user_id: t.user.user_id, email: t.user.email }, NOW);
    const res = await fetch(`${server.url}/api/v2/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ site_id: t.projectA, metrics: ['events'], date_range: JAN_10 }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Answer).results).toEqual([{ metrics: [9], dimensions: [] }]);
  });

  test.each([
    [{ metrics: ['visitorz'] }, /^metrics\.0: unknown metric 'visitorz'/],
    [{ metrics: ['average_revenue'] }, /^metrics\.0: 'average_revenue' is not supported/],
    [{ dimensions: ['visit:city'] }, /^dimensions\.0: unknown or unsupported dimension/],
    [{ date_range: '1h' }, /^date_range: '1h' is not one of/],
    [{ date_range: ['2024-01-02', '2024-01-01'] }, /^date_range: from must not be after to/],
    [{ filters: [['is', 'time:day', ['2024-01-01']]] }, /^filters\.0\.1: /],
    [{ filters: [['equals', 'event:page', ['/a']]] }, /^filters\.0\.0: unknown or unsupported operator/],
    [{ filters: [['is', 'event:page', '/a']] }, /^filters\.0\.2: /],
    [{ order_by: [['events', 'desc']] }, /^order_by\.0: 'events' is not a metric or dimension/],
    [{ timezone: 'Mars/Olympus' }, /^timezone: /],
    [{ include: { time_labels: true } }, /^include\.time_labels: needs a time dimension/],
    [{ pagination: { limit: 0 } }, /^pagination\.limit: /],
    [{ site: 'x' }, /site: unknown parameter/],
  ])('%j is a 400 naming the field', async (change, message) => {
    const { status, body } = await query({
      site_id: t.projectA,
      metrics: ['visitors'],
      date_range: '7d',
      ...change,
    });
    expect(status).toBe(400);
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatch(message);
  });

  test('a regular expression PostgreSQL cannot compile is a 400 naming it, where it is in filters', async () => {
    const { status, body } = await query({
      site_id: t.projectA,
      metrics: ['events'],
      date_range: JAN_10,
      filters: [['matches', 'event:page', ['(unclosed']]],
    });
    expect(status).toBe(400);
    expect(body.error).toBe(
      "filters.0.2.0: '(unclosed' is a regular expression PostgreSQL cannot compile (invalid regular expression: parentheses () not balanced); matches takes PostgreSQL's syntax",
    );
    const nested = await query({
      site_id: t.projectA,
      metrics: ['visitors', 'visits'],
      date_range: JAN_10,
      filters: [
        ['is', 'event:name', ['page_view']],
        [
          'or',
          [
            ['is', 'event:page', ['/a']],
            ['has_done', ['matches_not', 'event:page', ['^/a', '[b']]],
          ],
        ],
      ],
    });
    expect([nested.status, nested.body.error]).toEqual([
      400,
      expect.stringMatching(
        /^filters\.1\.1\.1\.1\.2\.1: '\[b' is a regular expression PostgreSQL cannot compile \(invalid regular expression: brackets \[\] not balanced\)/,
      ),
    ]);
    const funnel = await fetch(`${server.url}/api/v2/funnel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.readKeyA}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        site_id: t.projectA,
        date_range: JAN_10,
        filters: [['matches', 'event:page', ['a{2,1}']]],
        steps: [{ page: '/a' }, { page: '/b' }],
      }),
    });
    expect(funnel.status).toBe(400);
    expect(((await funnel.json()) as { error: string }).error).toMatch(
      /^filters\.0\.2\.0: 'a\{2,1\}' is a regular expression/,
    );
  });

  test('a body that is not JSON is a 400 in the same shape', async () => {
    const res = await fetch(`${server.url}/api/v2/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.readKeyA}` },
      body: '{"site_id":',
    });
    expect(res.status).toBe(400);
    expect(typeof ((await res.json()) as { error: unknown }).error).toBe('string');
  });
});

describe('any request the schema takes', () => {
  // Every metric, dimension and filter operator in any combination, on the known project: each is
  // answered 200 with a row per group, or refused with a 400 naming a field — never a 500 (a union
  // of three sides once failed PostgreSQL's type resolution, which only running the SQL shows).
  test('is answered or refused with a clear 400, never a server error', async () => {
    await fc.assert(
      fc.asyncProperty(statsRequests, async (request) => {
        const { status, body } = await query({ site_id: t.projectA, ...request });
        expect([200, 400], JSON.stringify({ request, body })).toContain(status);
        if (status === 400) expect(body.error).toMatch(/^[a-z_]+(\.[a-z0-9_]+)*: /);
        else expect(body.results.every((r) => r.metrics.length === request.metrics.length)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
