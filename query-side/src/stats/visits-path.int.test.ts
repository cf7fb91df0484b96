/**
 * Given visits of many lengths (some going on at a range's start or end, some with a user id that
 * appears mid-visit, some of keyless events, with bot and excluded events among theirs) and events
 * with no visit at all, when the Stats API answers the visitors (events, page views, percentage) of
 * visit dimensions, or of none (the KPI row), from the visits (visit-sql.ts: the visits inside the
 * range from their rows, by `visitor_key` or their keys unnested; the visits it cuts and the lone
 * events from the events), then each answer is exactly the one computed
 * from every event: the same question with a filter every event passes, which the planner can only
 * answer from the events.
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
import { statsResults, withEveryEvent, type StatsRow } from '../test-support/stats';
import { planQuery } from './plan';
import { parseQuery, StatsRequest } from './query';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;

const NOW = Date.parse('2024-06-11T12:00:00Z');
const START = Date.parse('2024-06-10T10:00:13Z');
const MINUTE = 60_000;
const NAMES = ['page_view', 'click', 'page_leave', 'signup'];
const SOURCES = ['Google', 'Direct / None', 'Twitter', 'Bing'];
const COUNTRIES = ['DE', 'US', 'IN'];
const HOSTS = ['site.test', 'Docs.Site.test'];
const VISITS = 40;
const events: EventFixture[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl, { now: () => NOW });
  for (let i = 0; i < VISITS; i++) {
    // Visit i starts 7 minutes after the one before and lasts 0 to 44 minutes, 1 to 6 events.
    const first = START + i * 7 * MINUTE;
    const length = (i % 5) * 11 * MINUTE;
    const count = 1 + (i % 6);
    for (let j = 0; j < count; j++) {
      const keyless = i % 9 === 4;
      events.push({
        project_id: t.projectA,
        session_id: `v${i}`,
        event_name: j === 0 ? 'page_view' : NAMES[(i + j) % NAMES.length],
        ts: new Date(first + (count === 1 ? 0 : Math.round((length * j) / (count - 1)))),
        anonymous_id: keyless ? undefined : `a${i % 17}`,
        // A user id from the middle of the visit on: a visit of two visitor keys.
        user_id: !keyless && i % 4 === 1 && j >= count / 2 ? `u${i % 7}` : undefined,
        // Every fourth event on another host, written in capitals: visits that enter or leave there.
        // The events of a visit of no length share one instant, ordered by their random ids: one host.
        url: `https://${HOSTS[(length === 0 ? i : i + j) % 4 === 3 ? 1 : 0]}/p${(i + j) % 3}`,
      });
    }
    // Bot and excluded events in some visits' sessions: never counted, part of no visit.
    if (i % 6 === 2 || i % 8 === 3)
      events.push({
        project_id: t.projectA,
        session_id: `v${i}`,
        event_name: 'page_view',
        ts: new Date(first - 3 * MINUTE),
        anonymous_id: 'crawler',
        context: i % 6 === 2 ? { bot: 'Googlebot' } : { excluded: 'office' },
      });
  }
  // Events without a session id: of no visit, some keyed, some not.
  for (let k = 0; k < 8; k++)
    events.push({
      project_id: t.projectA,
      event_name: NAMES[k % NAMES.length],
      ts: new Date(START + k * 37 * MINUTE + 5_000),
      anonymous_id: k % 3 === 0 ? undefined : `lone${k % 2}`,
    });
  await insertEvents(tdb.owner, events);
  // The visits as the analytics projection writes them: from their human events, with the entry's
  // source and country (here one of each per visit).
  await insertVisitsOfEvents(
    tdb.owner,
    Object.fromEntries(
      Array.from({ length: VISITS }, (_, i) => [
        `v${i}`,
        { source: SOURCES[i % SOURCES.length]!, country: COUNTRIES[i % COUNTRIES.length]! },
      ]),
    ),
  );
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

const query = (body: Record<string, unknown>) => statsResults(server, t.readKeyA, t.projectA, body);

/** Whether the planner reads `body`'s visitors from the visits (their visitor keys unnested). */
function fromVisits(body: Record<string, unknown>): boolean {
  const q = parseQuery(StatsRequest.parse({ site_id: t.projectA, ...body }), t.projectA, NOW);
  const plan = planQuery(q, {
    events: 'analytics.events',
    sessions: 'analytics.sessions',
    volumeMinute: 'analytics.volume_minute',
    pageViewsHour: 'analytics.page_views_hour',
  });
  return plan.sql.includes('visitor_keys');
}

const RANGES: unknown[] = [
  // Cuts visits at both ends: v2 (10:14–10:36) is going on at 10:30, v10 (11:10–11:54) at 12:00.
  ['2024-06-10T10:30:00Z', '2024-06-10T12:00:00Z'],
  // Inside one long visit's span (v4, 10:28–11:12), between two of its events.
  ['2024-06-10T10:40:00Z', '2024-06-10T10:41:00Z'],
  // One instant: v4's second event.
  ['2024-06-10T10:39:13Z', '2024-06-10T10:39:13Z'],
  ['2024-06-10', '2024-06-10'],
  'all',
];
const DIMENSIONS = [
  // None: the KPI row's visitors.
  [],
  ['visit:source'],
  ['visit:country'],
  ['visit:source', 'visit:country'],
  ['visit:channel'],
  ['visit:country_name'],
  ['visit:entry_page_hostname', 'visit:exit_page_hostname'],
  // Time buckets: a visit inside one from its row, the ones that cross a bucket's end from their events.
  ['time:hour'],
  ['time:day'],
  ['time:week'],
  ['visit:source', 'time:hour'],
];
// Each case in one of these zones: a half-hour zone's hours start at :30 in UTC.
const ZONES = [undefined, 'Asia/Kolkata', 'America/New_York'];
const FILTERS: unknown[][] = [
  [],
  [['is', 'visit:country', ['DE']]],
  [['is_not', 'visit:source', ['Google']]],
  [['contains', 'visit:source', ['o']]],
];
const METRICS: string[][] = [
  ['visitors'],
  ['visitors', 'events', 'pageviews', 'percentage'],
  ['visitors', 'visits', 'bounce_rate'],
  // The Overview's KPI row.
  ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration', 'events'],
];

const cases = RANGES.flatMap((date_range, r) =>
  DIMENSIONS.flatMap((dimensions, d) =>
    FILTERS.map((filters, f) => ({
      metrics: METRICS[(r + d + f) % METRICS.length],
      date_range,
      dimensions,
      ...(filters.length > 0 ? { filters } : {}),
      ...(ZONES[(r + f) % ZONES.length] ? { timezone: ZONES[(r + f) % ZONES.length] } : {}),
    })),
  ),
);

describe('the visitors of visit dimensions, from the visits', () => {
  test('the fixture has visits the first range cuts at each end, visits of two keys and lone events', async () => {
    const { rows } = await tdb.owner.query<{ at_lo: number; at_hi: number; two_keys: number; lone: number }>(
      `select (select count(*)::int from analytics.sessions where first_seen < '2024-06-10T10:30:00Z' and last_seen >= '2024-06-10T10:30:00Z') as at_lo,
              (select count(*)::int from analytics.sessions where first_seen < '2024-06-10T12:00:00.000001Z' and last_seen >= '2024-06-10T12:00:00.000001Z') as at_hi,
              (select count(*)::int from analytics.sessions where cardinality(visitor_keys) = 2) as two_keys,
              (select count(*)::int from analytics.events where session_id is null) as lone`,
    );
    expect(rows[0]!.at_lo).toBeGreaterThan(0);
    expect(rows[0]!.at_hi).toBeGreaterThan(0);
    expect(rows[0]!.two_keys).toBeGreaterThan(0);
    expect(rows[0]!.lone).toBe(8);
  });

  test.each(cases)('%j: the answer from each event', async (asked) => {
    expect(fromVisits(asked)).toBe(true);
    expect(fromVisits(withEveryEvent(asked))).toBe(false);
    const visits = await query(asked);
    const events = await query(withEveryEvent(asked));
    expect(visits).toEqual(events);
  });

  test('by source, each visitor of the day under each source of their visits; events of no visit under Direct / None, one row', async () => {
    const rows = await query({
      metrics: ['visitors'],
      date_range: ['2024-06-10', '2024-06-10'],
      dimensions: ['visit:source'],
    });
    // Counted here from the fixture: each human event's visitor key under its visit's source.
    // Events of no visit have no source: they count as Plausible counts a visit that names none,
    // `Direct / None`, in one row with the visits of that source.
    const bySource = new Map<string, Set<string>>();
    for (const e of events) {
      const key = e.user_id ?? e.anonymous_id;
      if (e.context !== undefined || key == null) continue;
      const source =
        e.session_id == null ? 'Direct / None' : SOURCES[Number(e.session_id.slice(1)) % SOURCES.length]!;
      bySource.set(source, (bySource.get(source) ?? new Set()).add(key));
    }
    const expected = [...bySource].map(([source, keys]) => [source, keys.size]);
    expect(new Set(rows.map((r) => r.dimensions[0])).size).toBe(rows.length);
    expect(rows.map((r) => [r.dimensions[0], r.metrics[0]]).sort()).toEqual(expected.sort());
  });

  test('by channel (read-model/src/channels.ts), and filtered by one: search engines are Organic Search, events of no visit Direct', async () => {
    const CHANNEL: Record<string, string> = {
      Google: 'Organic Search',
      Bing: 'Organic Search',
      Twitter: 'Organic Social',
      'Direct / None': 'Direct',
    };
    const byChannel = new Map<string, Set<string>>();
    const searchByCountry = new Map<string, Set<string>>();
    for (const e of events) {
      const key = e.user_id ?? e.anonymous_id;
      if (e.context !== undefined || key == null) continue;
      const visit = e.session_id == null ? undefined : Number(e.session_id.slice(1));
      const channel = visit === undefined ? 'Direct' : CHANNEL[SOURCES[visit % SOURCES.length]!]!;
      byChannel.set(channel, (byChannel.get(channel) ?? new Set()).add(key));
      if (channel !== 'Organic Search') continue;
      const country = COUNTRIES[visit! % COUNTRIES.length]!;
      searchByCountry.set(country, (searchByCountry.get(country) ?? new Set()).add(key));
    }
    const sizes = (m: Map<string, Set<string>>) => [...m].map(([value, keys]) => [value, keys.size]).sort();
    const day = ['2024-06-10', '2024-06-10'];
    const rows = await query({ metrics: ['visitors'], date_range: day, dimensions: ['visit:channel'] });
    expect(rows.map((r) => [r.dimensions[0], r.metrics[0]]).sort()).toEqual(sizes(byChannel));
    const filtered = await query({
      metrics: ['visitors'],
      date_range: day,
      dimensions: ['visit:country'],
      filters: [['is', 'visit:channel', ['Organic Search']]],
    });
    expect(filtered.map((r) => [r.dimensions[0], r.metrics[0]]).sort()).toEqual(sizes(searchByCountry));
    expect(searchByCountry.size).toBeGreaterThan(1);
  });

  test('by the entry and the exit page’s host: each visit under the host of its first and its last URL, lower case', async () => {
    const day = ['2024-06-10', '2024-06-10'];
    const visits = new Map<string, { entry: string; exit: string }>();
    for (const e of events) {
      if (e.context !== undefined || e.session_id == null || e.url == null) continue;
      const host = new URL(e.url).hostname; // lower case, as the WHATWG URL parser writes it
      const visit = visits.get(e.session_id);
      visits.set(e.session_id, { entry: visit?.entry ?? host, exit: host });
    }
    const count = (side: 'entry' | 'exit') => {
      const counts = new Map<string, number>();
      for (const v of visits.values()) counts.set(v[side], (counts.get(v[side]) ?? 0) + 1);
      return [...counts].sort();
    };
    const byHost = async (dimension: string, filters?: unknown[]) =>
      (
        await query({
          metrics: ['visits'],
          date_range: day,
          dimensions: [dimension],
          ...(filters ? { filters } : {}),
        })
      )
        .filter((r) => r.metrics[0]! > 0)
        .map((r) => [r.dimensions[0], r.metrics[0]])
        .sort();
    expect(await byHost('visit:entry_page_hostname')).toEqual(count('entry'));
    expect(await byHost('visit:exit_page_hostname')).toEqual(count('exit'));
    expect(count('entry')).toHaveLength(2);
    expect(count('exit')).not.toEqual(count('entry'));
    // A filter on it: the visits that entered on the docs host, by their country.
    const docsByCountry = new Map<string, number>();
    for (const [id, v] of visits) {
      if (v.entry !== 'docs.site.test') continue;
      const country = COUNTRIES[Number(id.slice(1)) % COUNTRIES.length]!;
      docsByCountry.set(country, (docsByCountry.get(country) ?? 0) + 1);
    }
    expect(await byHost('visit:country', [['is', 'visit:entry_page_hostname', ['docs.site.test']]])).toEqual(
      [...docsByCountry].sort(),
    );
    expect(docsByCountry.size).toBeGreaterThan(1);
  });

  test('by country name (read-model/src/countries.ts): the rows by code, named; a filter on the name selects the code', async () => {
    const day = ['2024-06-10', '2024-06-10'];
    const pairs = (rows: StatsRow[]) => rows.map((r) => [r.dimensions[0], r.metrics[0]]).sort();
    const byCode = await query({
      metrics: ['visitors', 'visits'],
      date_range: day,
      dimensions: ['visit:country'],
    });
    const byName = await query({
      metrics: ['visitors', 'visits'],
      date_range: day,
      dimensions: ['visit:country_name'],
    });
    const NAME: Record<string, string> = { DE: 'Germany', US: 'United States', IN: 'India' };
    // Events of no visit have no country, so no name either: one row `(none)` in both.
    const named = (code: string) => NAME[code] ?? code;
    expect(byName.map((r) => [r.dimensions[0], ...r.metrics]).sort()).toEqual(
      byCode.map((r) => [named(r.dimensions[0]!), ...r.metrics]).sort(),
    );
    expect(byCode.map((r) => r.dimensions[0]).sort()).toEqual(['(none)', 'DE', 'IN', 'US']);
    const filtered = (filters: unknown[]) =>
      query({ metrics: ['visitors'], date_range: day, dimensions: ['visit:source'], filters });
    expect(
      pairs(await filtered([['contains', 'visit:country_name', ['germ'], { case_sensitive: false }]])),
    ).toEqual(pairs(await filtered([['is', 'visit:country', ['DE']]])));
  });
});
