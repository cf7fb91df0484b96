/**
 * Given known page views and the page_leave events that end them (metadata.duration_ms: the time
 * each view was visible; metadata.scroll_depth: how far down it was scrolled), some visits viewing a
 * page twice, a leave with no session, leaves whose duration or depth is not a usable number, a
 * bot's and another project's, when clients ask the Stats API for `time_on_page` and
 * `scroll_depth`, then each page's figure is the seconds its visits spent on it (the deepest scroll
 * of each visit), averaged over those visits and rounded, with the other metrics, by visit and time
 * dimensions and under filters alike; and both are refused, naming the metric, without the pages
 * they are of.
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
import { statsAnswer, statsResults } from '../test-support/stats';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;

const NOW = Date.parse('2024-03-06T12:00:00Z');
const DAY = ['2024-03-05', '2024-03-05'];
const at = (time: string) => new Date(`2024-03-05T${time}Z`);

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl, { now: () => NOW });
  const A = t.projectA;
  const view = (session: string | null, who: Partial<EventFixture>, time: string, path: string) => ({
    project_id: A,
    session_id: session,
    ...who,
    event_name: 'page_view',
    ts: at(time),
    url: `https://site.test${path}`,
  });
  const leave = (
    session: string | null,
    who: Partial<EventFixture>,
    time: string,
    path: string,
    duration: unknown,
    depth?: unknown,
  ): EventFixture => ({
    project_id: A,
    session_id: session,
    ...who,
    event_name: 'page_leave',
    ts: at(time),
    url: `https://site.test${path}`,
    metadata: { duration_ms: duration, ...(depth === undefined ? {} : { scroll_depth: depth }) },
  });
  const u1 = { user_id: 'u1' };
  const u2 = { user_id: 'u2' };
  const a3 = { anonymous_id: 'a3' };
  const events: EventFixture[] = [
    // s1 views /a for 30 s, /b for 90 s, /a again for 10 s: 40 s on /a, 90 s on /b. Scrolled /a to
    // 40% and then 80% (its deepest: 80), /b to the end.
    view('s1', u1, '10:00:00', '/a'),
    leave('s1', u1, '10:00:30', '/a', 30_000, 40),
    view('s1', u1, '10:01:00', '/b'),
    leave('s1', u1, '10:02:30', '/b', 90_000, 100),
    view('s1', u1, '10:03:00', '/a?ref=nav'),
    leave('s1', u1, '10:03:10', '/a?ref=nav', 10_000, 80),
    // s2: 20 s on /a, scrolled to 20%.
    view('s2', u2, '11:00:00', '/a'),
    leave('s2', u2, '11:00:20', '/a', 20_000, 20),
    // s3: 45 s on /b, scrolled to 50%; two leaves without a usable duration (a string, a negative)
    // count for nothing, nor their depths (a string; over 100, as Plausible leaves those out).
    view('s3', a3, '12:00:00', '/b'),
    leave('s3', a3, '12:00:45', '/b', 45_000, 50),
    leave('s3', a3, '12:00:46', '/b', 'long', 'deep'),
    leave('s3', a3, '12:00:47', '/b', -5_000, 255),
    // A leave with no session: a visit of its own, 7 s on /c, no depth.
    leave(null, {}, '13:00:00', '/c', 7_000),
    // Never counted: a bot's leave and another project's.
    {
      ...leave('s9', { anonymous_id: 'crawler' }, '10:30:00', '/a', 999_000, 100),
      context: { bot: 'Googlebot' },
    },
    { ...leave('s8', u1, '10:30:00', '/a', 999_000, 100), project_id: t.projectB },
  ];
  await insertEvents(tdb.owner, events);
  await insertVisitsOfEvents(tdb.owner, {
    s1: { source: 'Google', country: 'DE' },
    s2: { source: 'Direct / None', country: 'US' },
    s3: { source: 'Google', country: 'IN' },
  });
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

/** The rows (dimensions, then metrics) the Stats API answers `body` with, over DAY unless it says. */
const rows = async (body: Record<string, unknown>) =>
  (await statsResults(server, t.readKeyA, t.projectA, { date_range: DAY, ...body })).map((r) => [
    ...r.dimensions,
    ...r.metrics,
  ]);
/** time_on_page alone: `rows` of it. */
const timeOnPage = (body: Record<string, unknown>) => rows({ metrics: ['time_on_page'], ...body });
const onlyA = [['is', 'event:page', ['/a']]];

describe('time_on_page', () => {
  test('by page: the seconds each visit spent on it, averaged over its visits, rounded', async () => {
    // /a: (40 + 20) / 2 = 30; /b: (90 + 45) / 2 = 67.5 → 68; /c: 7.
    expect(await timeOnPage({ dimensions: ['event:page'] })).toEqual([
      ['/b', 68],
      ['/a', 30],
      ['/c', 7],
    ]);
  });

  test('beside the other metrics, each of its own events', async () => {
    // Visitors of any event on the page; page views; the visits that had it (three sides of the
    // statement in one row); the leave of no session has no visitor and no visit.
    expect(
      await rows({
        metrics: ['visitors', 'pageviews', 'visits', 'time_on_page'],
        dimensions: ['event:page'],
      }),
    ).toEqual([
      ['/a', 2, 3, 2, 30],
      ['/b', 2, 2, 2, 68],
      ['/c', 0, 0, 0, 7],
    ]);
  });

  test('of one page, named by a filter, without dimensions', async () => {
    expect(await timeOnPage({ filters: [['is', 'event:page', ['/b']]] })).toEqual([[68]]);
    // Per visit over every page: s1, s2, s3 and the lone leave.
    expect(await timeOnPage({ filters: [['contains', 'event:page', ['/']]] })).toEqual([
      [Math.round((40 + 90 + 20 + 45 + 7) / 4)],
    ]);
  });

  test('by a visit dimension and by hour', async () => {
    // s1's 90 s and s3's 45 s on /b, both visits from Google.
    expect(
      await timeOnPage({ dimensions: ['visit:source'], filters: [['is', 'event:page', ['/b']]] }),
    ).toEqual([['Google', 68]]);
    expect(await timeOnPage({ dimensions: ['time:hour'], filters: onlyA })).toEqual([
      ['2024-03-05 10:00:00', 40],
      ['2024-03-05 11:00:00', 20],
    ]);
  });

  test('hours in a +05:30 zone are that zone’s: 10:00:30Z and 10:03:10Z fall in 15:00, 11:00:20Z in 16:00', async () => {
    expect(await timeOnPage({ dimensions: ['time:hour'], filters: onlyA, timezone: 'Asia/Kolkata' })).toEqual(
      [
        ['2024-03-05 15:00:00', 40],
        ['2024-03-05 16:00:00', 20],
      ],
    );
  });
});

describe('scroll_depth', () => {
  const scrollDepth = (body: Record<string, unknown>) => rows({ metrics: ['scroll_depth'], ...body });

  test('by page: the deepest scroll of each visit, averaged over its visits, a whole percent', async () => {
    // /a: s1's deepest 80 and s2's 20 → 50; /b: s1's 100 and s3's 50 → 75; /c: no depth → 0.
    expect(await scrollDepth({ dimensions: ['event:page'] })).toEqual([
      ['/b', 75],
      ['/a', 50],
      ['/c', 0],
    ]);
  });

  test('beside time on page and the other metrics, in one row per page', async () => {
    expect(
      await rows({
        metrics: ['visitors', 'time_on_page', 'scroll_depth'],
        dimensions: ['event:page'],
        order_by: [['event:page', 'asc']],
      }),
    ).toEqual([
      ['/a', 2, 30, 50],
      ['/b', 2, 68, 75],
      ['/c', 0, 7, 0],
    ]);
  });

  test('by a visit dimension, by hour in a +05:30 zone, and of pages named by a filter', async () => {
    // /a by Google's visits: s1 alone.
    expect(await scrollDepth({ dimensions: ['visit:source'], filters: onlyA })).toEqual([
      ['Google', 80],
      ['Direct / None', 20],
    ]);
    expect(
      await scrollDepth({ dimensions: ['time:hour'], filters: onlyA, timezone: 'Asia/Kolkata' }),
    ).toEqual([
      ['2024-03-05 15:00:00', 80],
      ['2024-03-05 16:00:00', 20],
    ]);
    // Every page: per visit its deepest scroll anywhere (s1 100, s2 20, s3 50; the lone leave none).
    expect(await scrollDepth({ filters: [['contains', 'event:page', ['/']]] })).toEqual([
      [Math.round((100 + 20 + 50) / 3)],
    ]);
  });

  test('compared with a day without leaves: the percentage change of each page, as for other metrics', async () => {
    const answer = await statsAnswer(server, t.readKeyA, t.projectA, {
      metrics: ['scroll_depth'],
      date_range: DAY,
      dimensions: ['event:page'],
      filters: onlyA,
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.results).toHaveLength(1);
    expect(answer.body.results[0]).toMatchObject({ dimensions: ['/a'], metrics: [50] });
    expect(answer.body.results[0]!.comparison).toMatchObject({ metrics: [0], change: [100] });
  });
});
