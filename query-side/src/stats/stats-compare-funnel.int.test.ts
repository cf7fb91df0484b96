/**
 * Given known events and visits of two projects in a private database and a fixed clock, when
 * clients POST to /api/v2/query with `include.comparisons`, `time:minute` or the `realtime` range,
 * and to /api/v2/funnel, then:
 * - a 7-day range in America/New_York across the change to daylight saving time compares with the
 *   7 local days before it (the boundaries at 05:00Z and 04:00Z, not midnight UTC), row by row,
 *   with Plausible's change rules; year_over_year compares with the days 365 days back;
 * - visitors of the last 5 minutes are exact, by wall-clock minute in the zone;
 * - a funnel counts the visits (and visitors) that reached each step in order within the visit —
 *   a step before the previous one never counts, a repeated step counts once — with the drop-off,
 *   bots and other projects left out and filters selecting visits.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import {
  insertEvents,
  insertVisitsOfEvents,
  seedTenants,
  type EventFixture,
  type Tenants,
} from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;

/** Saturday 2024-03-16, 12:00 in New York (EDT, -04:00): the last 5 minutes' now. */
const NOW = Date.parse('2024-03-16T16:00:00Z');
/**
 * "7d" is the 7 days before today (Plausible's): counted from Sunday 2024-03-17 (`date`), it is
 * 2024-03-10 … 2024-03-16 in New York, the week the clocks changed.
 */
const WEEK = { date_range: '7d', date: '2024-03-17' };
const NY = 'America/New_York';

interface Row {
  dimensions: string[];
  metrics: number[];
  comparison?: { dimensions: string[]; metrics: number[]; change: Array<number | null> };
}
interface Answer {
  results: Row[];
  meta: { time_labels?: string[]; comparison_date_range?: string[] };
  query: { date_range: string[]; include: Record<string, unknown> };
  steps: Array<{
    label: string;
    visitors: number;
    visits: number;
    conversion_rate: number;
    drop_off: number;
    drop_off_rate: number;
  }>;
  error: string;
}

async function post(path: string, body: unknown, key: string) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}
const query = (body: Record<string, unknown>) =>
  post('/api/v2/query', { site_id: t.projectA, timezone: NY, ...body }, t.readKeyA);
const funnel = (body: Record<string, unknown>, key = t.readKeyB) =>
  post('/api/v2/funnel', { site_id: t.projectB, date_range: ['2024-02-01', '2024-02-01'], ...body }, key);

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl, { now: () => NOW });
  const A = t.projectA;
  const B = t.projectB;
  const view = (user: string, iso: string, url: string, extra: Partial<EventFixture> = {}): EventFixture => ({
    project_id: A,
    session_id: `s-${user}-${iso}`,
    user_id: user,
    event_name: 'page_view',
    ts: new Date(iso),
    url,
    ...extra,
  });
  await insertEvents(tdb.owner, [
    // The range, 2024-03-10 00:00 EST (05:00Z) … 2024-03-16 24:00 EDT (2024-03-17 04:00Z).
    view('c1', '2024-03-10T05:00:00Z', '/a'),
    view('c2', '2024-03-17T03:59:59Z', '/a'),
    // c2's visit is no bounce: a click in it.
    view('c2', '2024-03-17T03:59:58Z', '/a', {
      event_name: 'click',
      session_id: 's-c2-2024-03-17T03:59:59Z',
    }),
    view('c3', '2024-03-12T12:00:00Z', '/b'),
    view('bot', '2024-03-12T12:00:00Z', '/a', { context: { bot: 'crawler' } }),
    // The previous period, 2024-03-03 00:00 EST (05:00Z) … 2024-03-10 00:00 EST (05:00Z).
    view('p1', '2024-03-10T04:59:59Z', '/a'),
    view('p2', '2024-03-03T05:00:00Z', '/a'),
    view('p3', '2024-03-05T12:00:00Z', '/c'),
    // In neither: just before the previous period, just after the range.
    view('x1', '2024-03-03T04:59:59Z', '/a'),
    view('x2', '2024-03-17T04:00:00Z', '/a'),
    // A year earlier (365 days back: 2023-03-11 … 2023-03-17) and the day before it.
    view('y1', '2023-03-11T12:00:00Z', '/a'),
    view('y2', '2023-03-10T12:00:00Z', '/a'),
    // Four more visitors a year earlier: w1 bounces, w2-w4 view two pages; w5 the day before.
    ...[1, 2, 3, 4].flatMap((n) =>
      ['2023-03-12T12:00:00Z', ...(n === 1 ? [] : ['2023-03-12T12:01:00Z'])].map((iso) =>
        view(`w${n}`, iso, '/a', { session_id: `w${n}` }),
      ),
    ),
    view('w5', '2023-03-10T12:00:00Z', '/a', { session_id: 'w5' }),

    // Project B, around NOW: 15:55:00Z is the first instant of the last 5 minutes.
    ...[
      ['r1', '2024-03-16T15:55:00Z'],
      ['r2', '2024-03-16T15:58:30Z'],
      ['r1', '2024-03-16T15:59:10Z'],
      ['r3', '2024-03-16T15:54:59Z'],
    ].map(([user, iso]) => view(user!, iso!, '/live', { project_id: B, session_id: `live-${user}` })),
  ]);
  // Funnel visits of project B on 2024-02-01 (UTC), one minute apart in each visit.
  const at = (minute: number) => new Date(Date.UTC(2024, 1, 1, 10, minute));
  type Step = [name: string, url: string | null];
  const visit = (session: string, user: string, steps: Step[], extra: Partial<EventFixture> = {}) =>
    steps.map(([name, url], i): EventFixture => ({
      project_id: B,
      session_id: session,
      user_id: user,
      event_name: name,
      ts: at(i),
      url,
      ...extra,
    }));
  const home: Step = ['page_view', 'https://site.test/'];
  const pricing: Step = ['page_view', 'https://site.test/pricing'];
  const signup: Step = ['signup', 'https://site.test/pricing'];
  await insertEvents(tdb.owner, [
    ...visit('f1', 'u1', [home, pricing, signup]),
    // Pricing (with a query string), home again, pricing again: step 2 once.
    ...visit('f2', 'u2', [home, ['page_view', 'https://site.test/pricing-plans?x=1'], home, pricing]),
    // Pricing before home: step 2 is never after step 1.
    ...visit('f3', 'u3', [pricing, home, signup]),
    // Signup before home.
    ...visit('f4', 'u4', [signup, home]),
    // u1's second visit reaches step 2: one more visit, no more visitors.
    ...visit('f5', 'u1', [home, pricing]),
    ...visit('f6', 'u5', [['page_view', 'https://site.test/blog']]),
    // A crawler doing everything.
    ...visit('f7', 'u6', [home, pricing, signup], { context: { bot: 'crawler' } }),
    // Home on the day, pricing the next day (out of the range).
    { project_id: B, session_id: 'f8', user_id: 'u8', event_name: 'page_view', ts: at(0), url: '/' },
    {
      project_id: B,
      session_id: 'f8',
      user_id: 'u8',
      event_name: 'page_view',
      ts: new Date('2024-02-02T00:00:01Z'),
      url: '/pricing',
    },
    // Project A on the day: never in B's funnel.
    ...visit('fa', 'ua', [home, pricing, signup], { project_id: A }),
  ]);
  // Every visit of the events above, as the projection builds them; three of B's from Google.
  const google = { source: 'Google' };
  await insertVisitsOfEvents(tdb.owner, { f1: google, f3: google, f5: google });
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

describe('include.comparisons', () => {
  test('previous_period of 7 days in New York across the clock change: the 7 local days before', async () => {
    const { status, body } = await query({
      metrics: ['visitors', 'pageviews'],
      ...WEEK,
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(status).toBe(200);
    expect(body.query.date_range).toEqual(['2024-03-10T00:00:00-05:00', '2024-03-16T23:59:59-04:00']);
    expect(body.meta.comparison_date_range).toEqual([
      '2024-03-03T00:00:00-05:00',
      '2024-03-09T23:59:59-05:00',
    ]);
    expect(body.query.include.comparisons).toEqual({ mode: 'previous_period' });
    expect(body.results).toEqual([
      { dimensions: [], metrics: [3, 3], comparison: { dimensions: [], metrics: [3, 3], change: [0, 0] } },
    ]);
  });

  test('by day: each day against the day 7 days before, zeros where that day had nothing', async () => {
    const { body } = await query({
      metrics: ['visitors'],
      ...WEEK,
      dimensions: ['time:day'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(body.results).toEqual([
      {
        dimensions: ['2024-03-10'],
        metrics: [1],
        comparison: { dimensions: ['2024-03-03'], metrics: [1], change: [0] },
      },
      {
        dimensions: ['2024-03-12'],
        metrics: [1],
        comparison: { dimensions: ['2024-03-05'], metrics: [1], change: [0] },
      },
      {
        dimensions: ['2024-03-16'],
        metrics: [1],
        comparison: { dimensions: ['2024-03-09'], metrics: [1], change: [0] },
      },
    ]);
  });

  test('by page: each page against the same page, a page new in the range is +100', async () => {
    const { body } = await query({
      metrics: ['visitors'],
      ...WEEK,
      dimensions: ['event:page'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(body.results).toEqual([
      { dimensions: ['/a'], metrics: [2], comparison: { dimensions: ['/a'], metrics: [2], change: [0] } },
      { dimensions: ['/b'], metrics: [1], comparison: { dimensions: ['/b'], metrics: [0], change: [100] } },
    ]);
  });

  test('year_over_year: 365 days back; bounce_rate changes in points', async () => {
    const { body } = await query({
      metrics: ['visitors', 'visits', 'bounce_rate'],
      date_range: ['2024-03-10', '2024-03-16'],
      include: { comparisons: { mode: 'year_over_year' } },
    });
    expect(body.meta.comparison_date_range).toEqual([
      '2023-03-11T00:00:00-05:00',
      '2023-03-17T23:59:59-04:00',
    ]);
    // c1-c3 (c1 and c3 bounce) against y1 and w1-w4 (y1 and w1 bounce): 67% against 40%.
    expect(body.results).toEqual([
      {
        dimensions: [],
        metrics: [3, 3, 67],
        comparison: { dimensions: [], metrics: [5, 5, 40], change: [-40, -40, 27] },
      },
    ]);
  });

  test('year_over_year with match_day_of_week: from the Sunday a year back, so y1’s Saturday is out', async () => {
    const { body } = await query({
      metrics: ['visitors', 'visits', 'bounce_rate'],
      date_range: ['2024-03-10', '2024-03-16'],
      include: { comparisons: { mode: 'year_over_year', match_day_of_week: true } },
    });
    // 2024-03-10 is a Sunday; 365 days back is Saturday 2023-03-11, moved to Sunday 2023-03-12.
    expect(body.meta.comparison_date_range).toEqual([
      '2023-03-12T00:00:00-05:00',
      '2023-03-18T23:59:59-04:00',
    ]);
    expect(body.query.include.comparisons).toEqual({ mode: 'year_over_year', match_day_of_week: true });
    // w1-w4 (w1 bounces) without y1: 25%.
    expect(body.results).toEqual([
      {
        dimensions: [],
        metrics: [3, 3, 67],
        comparison: { dimensions: [], metrics: [4, 4, 25], change: [-25, -25, 42] },
      },
    ]);
  });

  test('custom: the given days', async () => {
    const { body } = await query({
      metrics: ['visitors'],
      ...WEEK,
      include: { comparisons: { mode: 'custom', date_range: ['2024-03-10', '2024-03-10'] } },
    });
    expect(body.results[0]!.comparison).toEqual({ dimensions: [], metrics: [1], change: [200] });
  });

  test('refused for realtime, naming include.comparisons', async () => {
    const { status, body } = await query({
      metrics: ['visitors'],
      date_range: 'realtime',
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(status).toBe(400);
    expect(body.error).toMatch(/^include\.comparisons: /);
  });
});

describe('the last 5 minutes', () => {
  const live = (body: Record<string, unknown>) =>
    post('/api/v2/query', { site_id: t.projectB, timezone: NY, ...body }, t.readKeyB);

  test('realtime is the last 5 minutes: visitors from now − 5 min on', async () => {
    const { body } = await live({ metrics: ['visitors', 'pageviews'], date_range: 'realtime' });
    expect(body.results).toEqual([{ dimensions: [], metrics: [2, 3] }]);
    expect(body.query.date_range).toEqual(['2024-03-16T11:55:00-04:00', '2024-03-16T12:00:05-04:00']);
  });

  test('by minute in the zone, every minute labelled', async () => {
    const { body } = await live({
      metrics: ['visitors'],
      date_range: 'realtime',
      dimensions: ['time:minute'],
      include: { time_labels: true },
    });
    expect(body.results.map((r) => [...r.dimensions, ...r.metrics])).toEqual([
      ['2024-03-16 11:55:00', 1],
      ['2024-03-16 11:58:00', 1],
      ['2024-03-16 11:59:00', 1],
    ]);
    expect(body.meta.time_labels).toEqual(
      ['55', '56', '57', '58', '59'].map((m) => `2024-03-16 11:${m}:00`).concat('2024-03-16 12:00:00'),
    );
  });

  test('an explicit pair of instants gives the same figure', async () => {
    const { body } = await live({
      metrics: ['visitors'],
      date_range: ['2024-03-16T15:55:00Z', '2024-03-16T16:00:00Z'],
    });
    expect(body.results[0]!.metrics).toEqual([2]);
  });
});

describe('POST /api/v2/funnel', () => {
  const steps = [{ page: '/' }, { page_pattern: '/pricing*' }, { event: 'signup' }];

  test('steps in order within a visit, visitors and visits per step, drop-off from the step before', async () => {
    const { status, body } = await funnel({ steps });
    expect(status).toBe(200);
    // Step 1: f1 f2 f3 f4 f5 f8 (u1 twice). Step 2: f1 f2 f5 (u1 twice; f3's pricing is before
    // home, f8's out of range). Step 3: f1 (f3's signup follows no step 2).
    expect(body.steps).toEqual([
      { label: '/', visitors: 5, visits: 6, conversion_rate: 100, drop_off: 0, drop_off_rate: 0 },
      { label: '/pricing*', visitors: 2, visits: 3, conversion_rate: 40, drop_off: 3, drop_off_rate: 60 },
      { label: 'signup', visitors: 1, visits: 1, conversion_rate: 20, drop_off: 1, drop_off_rate: 50 },
    ]);
  });

  test('filters select visits: by the visit’s source, by an event of the visit', async () => {
    const google = await funnel({ steps, filters: [['is', 'visit:source', ['Google']]] });
    expect(google.body.steps.map((s) => [s.visitors, s.visits, s.conversion_rate, s.drop_off])).toEqual([
      [2, 3, 100, 0],
      [1, 2, 50, 1],
      [1, 1, 50, 0],
    ]);
    const signedUp = await funnel({ steps, filters: [['is', 'event:name', ['signup']]] });
    expect(signedUp.body.steps.map((s) => [s.visitors, s.visits])).toEqual([
      [3, 3],
      [1, 1],
      [1, 1],
    ]);
  });

  test('the range in the zone: in New York the day is 2024-02-01 05:00Z … 2024-02-02 05:00Z', async () => {
    const { body } = await funnel({ steps, timezone: NY });
    expect(body.query.date_range).toEqual(['2024-02-01T00:00:00-05:00', '2024-02-01T23:59:59-05:00']);
    // f8's pricing (00:00:01Z on the 2nd, 19:00 on the 1st in New York) is now in the range.
    expect(body.steps.map((s) => s.visits)).toEqual([6, 4, 1]);
  });

  test('another project is a 404, a mistake a 400 naming the field', async () => {
    expect((await funnel({ steps }, t.readKeyA)).status).toBe(404);
    const bad = await funnel({ steps, filters: [['is', 'visit:colour', ['x']]] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^filters\.0\.1: /);
    const one = await funnel({ steps: [{ page: '/' }] });
    expect(one.status).toBe(400);
    expect(one.body.error).toMatch(/steps/);
  });
});
