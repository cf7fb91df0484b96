/**
 * Given events at odd seconds (so that ranges start and end inside minutes) around New York's fall
 * clock change and India's +05:30 midnight, with bot and excluded ones among them, when the Stats
 * API answers events and page views by time and event name from `volume_minute` (whole minutes)
 * plus the events of the partial minutes at the ends, then each answer is exactly the one computed
 * from every event: the same question with a filter that every event passes, which the planner can
 * only answer from the events.
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

  test('the partial minutes count at both ends: 12:34:10.5 to 12:34:12 holds two of the three clicks', async () => {
    const asked = { metrics: ['events'], date_range: ['2024-11-02T12:34:10.500Z', '2024-11-02T12:34:12Z'] };
    expect(await query(asked)).toEqual([{ metrics: [2], dimensions: [] }]);
  });
});
