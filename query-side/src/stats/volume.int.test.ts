/**
 * Given events at odd seconds (so that ranges start and end inside minutes) around New York's fall
 * clock change and India's +05:30 midnight, with bot and excluded ones among them, when the Stats
 * API answers events and page views by time and event name from `volume_minute` (whole minutes),
 * or page views by page from `page_views_hour` (whole hours), plus the events of the partial
 * minutes or hours at the ends, then each answer is exactly the one computed from every event: the
 * same question with a filter that every event passes, which the planner can only answer from the
 * events.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { insertEvents, seedTenants, type EventFixture, type Tenants } from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';
import { statsResults, withEveryEvent } from '../test-support/stats';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;

/** New York's clocks go back at 06:00Z on 2024-11-03; Kolkata's 2024-11-02 starts at 18:30Z on 11-01. */
const NOW = Date.parse('2024-11-04T12:00:00Z');

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl, { now: () => NOW });
  const events: EventFixture[] = [];
  const names = ['page_view', 'page_view', 'click', 'signup'];
  // Every 7 minutes and 13 seconds from 2024-11-01 17:00Z to 2024-11-03 09:00Z: 2 days of events
  // on no whole minute, each fourth a bot's and each ninth from an excluded address.
  for (
    let ts = Date.parse('2024-11-01T17:00:00Z'), i = 0;
    ts < Date.parse('2024-11-03T09:00:00Z');
    ts += 433_000, i++
  ) {
    events.push({
      project_id: t.projectA,
      event_name: names[i % names.length],
      session_id: `s${Math.floor(i / 5)}`,
      anonymous_id: `a${i % 11}`,
      ts: new Date(ts),
      url: `https://site.test/p${i % 3}`,
      context: i % 4 === 3 ? { bot: 'Googlebot' } : i % 9 === 8 ? { excluded: 'address' } : {},
    });
  }
  // Three in one minute, a second apart from each other, to cut a minute in the middle.
  for (const s of [10, 11, 12])
    events.push({ project_id: t.projectA, event_name: 'click', ts: new Date(`2024-11-02T12:34:${s}Z`) });
  // Page views without a URL (no page), in a whole hour and in a partial one, and a bot's.
  for (const [at, context] of [
    ['2024-11-02T10:15:00Z', {}],
    ['2024-11-02T10:45:00Z', {}],
    ['2024-11-02T13:59:59Z', {}],
    ['2024-11-02T10:20:00Z', { bot: 'Googlebot' }],
  ] as const)
    events.push({ project_id: t.projectA, event_name: 'page_view', ts: new Date(at), context });
  await insertEvents(tdb.owner, events);
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

const query = (body: Record<string, unknown>) => statsResults(server, t.readKeyA, t.projectA, body);

describe('events and page views from volume_minute', () => {
  test.each([
    { metrics: ['events', 'pageviews'], date_range: ['2024-11-02', '2024-11-02'] },
    { metrics: ['events', 'pageviews'], date_range: ['2024-11-02', '2024-11-02'], timezone: 'Asia/Kolkata' },
    {
      metrics: ['events'],
      date_range: ['2024-11-01', '2024-11-03'],
      dimensions: ['time:hour'],
      timezone: 'America/New_York',
    },
    {
      metrics: ['pageviews'],
      date_range: ['2024-11-01', '2024-11-03'],
      dimensions: ['time:day', 'event:name'],
      timezone: 'Asia/Kolkata',
    },
    { metrics: ['events'], date_range: ['2024-10-28', '2024-11-04'], dimensions: ['time:week'] },
    {
      metrics: ['events'],
      date_range: ['2024-11-02T09:03:30Z', '2024-11-02T11:58:01Z'],
      dimensions: ['time:minute', 'event:name'],
    },
    { metrics: ['events', 'pageviews'], date_range: ['2024-11-02T12:34:10.500Z', '2024-11-02T12:34:12Z'] },
    { metrics: ['events'], date_range: ['2024-11-02T12:34:11Z', '2024-11-02T12:34:11Z'] },
  ])('%j: the answer from each event', async (asked) => {
    const fromVolume = await query(asked);
    const fromEvents = await query(withEveryEvent(asked));
    expect(fromVolume).toEqual(fromEvents);
    expect(fromVolume.some((r) => r.metrics.some((m) => m > 0))).toBe(true);
  });

  test.each([
    { date_range: ['2024-11-02', '2024-11-02'] },
    { date_range: ['2024-11-01', '2024-11-03'], timezone: 'Asia/Kolkata' },
    { date_range: ['2024-11-02T09:03:30Z', '2024-11-02T13:59:59.500Z'] },
    { date_range: ['2024-11-02T10:10:00Z', '2024-11-02T10:50:00Z'] },
    { date_range: ['2024-11-02T11:00:00Z', '2024-11-02T11:59:59.999Z'] },
  ])('page views by event:page (%j): from page_views_hour, the answer from each event', async (range) => {
    const asked = {
      metrics: ['pageviews'],
      dimensions: ['event:page'],
      ...range,
      order_by: [
        ['pageviews', 'desc'],
        ['event:page', 'asc'],
      ],
    };
    const fromHours = await query(asked);
    expect(fromHours).toEqual(await query(withEveryEvent(asked)));
    expect(fromHours.length).toBeGreaterThan(0);
  });

  test('page views without a page count as (none), in whole hours and partial ones alike; a bot’s not at all', async () => {
    const pagesOf = (date_range: string[]) =>
      query({ metrics: ['pageviews'], dimensions: ['event:page'], date_range }).then((rows) =>
        rows.filter((r) => r.dimensions[0] === '(none)'),
      );
    // 10:00–11:00 is a whole hour (two without a page); 13:00–14:00 is cut (one, at 13:59:59).
    expect(await pagesOf(['2024-11-02T09:30:00Z', '2024-11-02T14:00:00Z'])).toEqual([
      { metrics: [3], dimensions: ['(none)'] },
    ]);
    expect(await pagesOf(['2024-11-02T10:30:00Z', '2024-11-02T13:00:00Z'])).toEqual([
      { metrics: [1], dimensions: ['(none)'] },
    ]);
    expect(await pagesOf(['2024-11-02T11:00:00Z', '2024-11-02T12:00:00Z'])).toEqual([]);
  });

  test('the partial minutes count at both ends: 12:34:10.5 to 12:34:12 holds two of the three clicks', async () => {
    const asked = { metrics: ['events'], date_range: ['2024-11-02T12:34:10.500Z', '2024-11-02T12:34:12Z'] };
    expect(await query(asked)).toEqual([{ metrics: [2], dimensions: [] }]);
  });
});
