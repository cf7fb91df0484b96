/**
 * Given known visits, each a few page views whose last page is the visit's exit page, a bot's visit
 * and another project's, when clients ask the Stats API for `exit_rate` by `visit:exit_page`, then
 * each exit page's figure is its exits (the visits that ended there) over its page views, in
 * percent with one decimal, under visit filters alike (a filter on the exit page leaves its page
 * views whole, as Plausible's); and it is refused, naming the metric, by another dimension or under
 * a filter on the events, whose page views it would leave out.
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

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl, { now: () => NOW });
  /** A visit of `user` on 2024-03-05 from `hour`: one page view a minute, of `pages` in turn. */
  const visit = (session: string, user: string, hour: string, pages: string[]): EventFixture[] =>
    pages.map((path, minute) => ({
      project_id: t.projectA,
      session_id: session,
      user_id: user,
      event_name: 'page_view',
      ts: new Date(`2024-03-05T${hour}:0${minute}:00Z`),
      url: `https://site.test${path}`,
    }));
  const events: EventFixture[] = [
    ...visit('s1', 'u1', '09', ['/a', '/b', '/a?from=b']), // exits on /a
    ...visit('s2', 'u2', '10', ['/a']), // /a
    ...visit('s3', 'u3', '11', ['/b', '/c']), // /c
    ...visit('s4', 'u4', '12', ['/b']), // /b
    ...visit('s5', 'u5', '13', ['/a', '/b']), // /b
    ...visit('s6', 'u6', '14', ['/c', '/a']), // /a
    ...visit('s7', 'u7', '15', ['/b', '/c']), // /c
    // Never counted: a bot's visit and another project's.
    ...visit('s9', 'crawler', '16', ['/a', '/b']).map((e) => ({ ...e, context: { bot: 'Googlebot' } })),
    ...visit('s8', 'u1', '17', ['/b', '/c']).map((e) => ({ ...e, project_id: t.projectB })),
  ];
  await insertEvents(tdb.owner, events);
  await insertVisitsOfEvents(tdb.owner, {
    s1: { source: 'Google' },
    s3: { source: 'Google' },
    s5: { source: 'Google' },
    s7: { source: 'Google' },
  });
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

/** The rows (dimensions, then metrics) the Stats API answers `body` with, over DAY. */
const rows = async (body: Record<string, unknown>) =>
  (
    await statsResults(server, t.readKeyA, t.projectA, {
      date_range: DAY,
      dimensions: ['visit:exit_page'],
      ...body,
    })
  ).map((r) => [...r.dimensions, ...r.metrics]);

/** The status and the error the Stats API answers `body` with, over DAY. */
async function refused(body: Record<string, unknown>): Promise<{ status: number; error: unknown }> {
  const { status, body: answer } = await statsAnswer(server, t.readKeyA, t.projectA, {
    date_range: DAY,
    ...body,
  });
  return { status, error: answer.error };
}

describe('exit_rate', () => {
  test('by exit page: its exits over its page views, in percent, one decimal', async () => {
    // /a: 3 exits (s1, s2, s6) of 5 page views; /b: 2 (s4, s5) of 5; /c: 2 (s3, s7) of 3.
    expect(await rows({ metrics: ['visits', 'exit_rate'] })).toEqual([
      ['/a', 3, 60],
      ['/b', 2, 40],
      ['/c', 2, 66.7],
    ]);
    // Without visits asked for, and beside the exit pages' visitors.
    expect(
      await rows({ metrics: ['exit_rate', 'visitors'], order_by: [['visit:exit_page', 'asc']] }),
    ).toEqual([
      ['/a', 60, 3],
      ['/b', 40, 2],
      ['/c', 66.7, 2],
    ]);
  });

  test('a visit filter keeps its visits and their page views', async () => {
    // Google's visits s1, s3, s5, s7: /c 2 exits of 2 views, /a 1 of 3, /b 1 of 4.
    expect(
      await rows({ metrics: ['visits', 'exit_rate'], filters: [['is', 'visit:source', ['Google']]] }),
    ).toEqual([
      ['/c', 2, 100],
      ['/a', 1, 33.3],
      ['/b', 1, 25],
    ]);
    // A visit that did something is a visit filter too: the visits that viewed /c (s3, s6, s7).
    expect(
      await rows({ metrics: ['visits', 'exit_rate'], filters: [['has_done', ['is', 'event:page', ['/c']]]] }),
    ).toEqual([
      ['/c', 2, 66.7], // 2 of the 3 views of /c
      ['/a', 1, 100], // s6's view of /a, the only one of these visits
    ]);
  });

  test('a filter on the exit page chooses the rows; the page views stay whole', async () => {
    expect(await rows({ metrics: ['exit_rate'], filters: [['is', 'visit:exit_page', ['/a']]] })).toEqual([
      ['/a', 60],
    ]);
  });

  test('the previous period compared: the difference in points', async () => {
    const { status, body } = await statsAnswer(server, t.readKeyA, t.projectA, {
      date_range: DAY,
      metrics: ['exit_rate'],
      dimensions: ['visit:exit_page'],
      filters: [['is', 'visit:exit_page', ['/c']]],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(status).toBe(200);
    // Nothing on 2024-03-04: 66.7 points more than its 0.
    expect(body.results[0]!.comparison).toMatchObject({ metrics: [0], change: [66.7] });
  });

  test.each([
    [{ dimensions: ['event:page'] }, 'metrics.0: exit_rate is of exit pages'],
    [{ dimensions: ['visit:exit_page', 'visit:source'] }, 'metrics.0: exit_rate is of exit pages'],
    [{ dimensions: [] }, 'metrics.0: exit_rate is of exit pages'],
    [
      { dimensions: ['visit:exit_page'], filters: [['not', ['contains', 'event:page', ['/b']]]] },
      "metrics.0: exit_rate divides a page's exits by its page views, which an event:* filter would leave out",
    ],
  ])('%j is a 400 naming the metric', async (change, message) => {
    const { status, error } = await refused({ metrics: ['exit_rate'], ...change });
    expect(status).toBe(400);
    expect(String(error)).toContain(message);
  });
});
