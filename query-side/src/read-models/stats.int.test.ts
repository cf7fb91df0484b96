/**
 * Given aggregate rows for two projects around a fixed "now", when the stats routes are asked for
 * the default and explicit ranges, then the numbers are exactly the overlapping buckets' sums,
 * zero-filled, and never include the other project.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { seedTenants, type Tenants } from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';
import { sessionCookie } from '../test-support/session';
import { NotCounted, Overview } from './overview';
import { EventNames, TopEvents, TopPages, Volume } from './stats';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;

const NOW = Date.UTC(2025, 2, 10, 12, 30); // 2025-03-10T12:30Z; the default range starts 2025-03-09T12:30Z
const at = (iso: string) => new Date(iso);

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl, { now: () => NOW });
  const A = t.projectA;
  const B = t.projectB;
  const volume: Array<[string, string, string, number]> = [
    [A, '2025-03-09T12:29Z', 'click', 100], // a minute before the default range
    [A, '2025-03-09T12:30Z', 'click', 7],
    [A, '2025-03-10T10:15Z', 'signup', 1],
    [A, '2025-03-10T11:00Z', 'click', 2],
    [A, '2025-03-10T11:59Z', 'click', 5],
    [A, '2025-03-10T11:59Z', 'page_view', 3],
    [A, '2025-03-10T11:59Z', 'scroll', 4],
    [A, '2025-03-10T12:29Z', 'hover', 6],
    [A, '2025-03-10T12:30Z', 'click', 1000], // at `to`: excluded
    [B, '2025-03-10T11:59Z', 'click', 999],
    [B, '2025-03-10T11:59Z', 'b_only', 1],
  ];
  for (const [project, minute, name, count] of volume) {
    await tdb.owner.query(
      'insert into analytics.volume_minute (project_id, minute, event_name, count) values ($1, $2, $3, $4)',
      [project, at(minute), name, count],
    );
  }
  const users: Array<[string, string, string]> = [
    [A, '2025-03-08', 'u9'],
    [A, '2025-03-09', 'u1'],
    [A, '2025-03-09', 'u2'],
    [A, '2025-03-10', 'u2'],
    [A, '2025-03-10', 'u3'],
    ...['b1', 'b2', 'b3', 'b4', 'b5'].map((u): [string, string, string] => [B, '2025-03-10', u]),
  ];
  for (const [project, day, key] of users) {
    await tdb.owner.query(
      'insert into analytics.daily_users (project_id, day, user_key) values ($1, $2, $3)',
      [project, day, key],
    );
  }
  const sessions: Array<[string, string, string, string]> = [
    [A, 's1', '2025-03-10T10:00Z', '2025-03-10T10:30Z'], // inside
    [A, 's2', '2025-03-09T10:00Z', '2025-03-09T12:40Z'], // overlaps the start
    [A, 's3', '2025-03-09T11:00Z', '2025-03-09T12:00Z'], // ended before
    [A, 's4', '2025-03-10T12:30Z', '2025-03-10T12:45Z'], // starts at `to`
    [B, 'b1', '2025-03-10T10:00Z', '2025-03-10T10:30Z'],
    [B, 'b2', '2025-03-10T10:00Z', '2025-03-10T10:30Z'],
    [B, 'b3', '2025-03-10T10:00Z', '2025-03-10T10:30Z'],
  ];
  for (const [project, id, first, last] of sessions) {
    await tdb.owner.query(
      `insert into analytics.sessions (project_id, session_id, first_seen, last_seen, event_count, page_views)
       values ($1, $2, $3, $4, 1, 0)`,
      [project, id, at(first), at(last)],
    );
  }
  const views: Array<[string, string, string, number]> = [
    [A, '2025-03-09T11:00Z', '/old', 50], // before the range's hour
    [A, '2025-03-09T12:00Z', '/home', 1], // the hour holding `from`
    [A, '2025-03-10T11:00Z', '/home', 10],
    [A, '2025-03-10T11:00Z', '/pricing', 4],
    [A, '2025-03-10T12:00Z', '/home', 9],
    [B, '2025-03-10T11:00Z', '/secret', 500],
  ];
  for (const [project, hour, path, count] of views) {
    await tdb.owner.query(
      'insert into analytics.page_views_hour (project_id, hour, path, views) values ($1, $2, $3, $4)',
      [project, at(hour), path, count],
    );
  }
  const bots: Array<[string, string, number]> = [
    [A, '2025-03-08', 100], // before the range's first day
    [A, '2025-03-09', 7],
    [A, '2025-03-10', 3],
    [B, '2025-03-10', 40],
  ];
  for (const [project, day, count] of bots) {
    await tdb.owner.query(
      'insert into analytics.bot_events_day (project_id, day, count) values ($1, $2, $3)',
      [project, day, count],
    );
  }
  const excluded: Array<[string, string, number]> = [
    [A, '2025-03-08', 50], // before the range's first day
    [A, '2025-03-10', 12],
    [B, '2025-03-09', 8],
  ];
  for (const [project, day, count] of excluded) {
    await tdb.owner.query(
      'insert into analytics.excluded_events_day (project_id, day, count) values ($1, $2, $3)',
      [project, day, count],
    );
  }
  const names: Array<[string, string, number]> = [
    [A, 'click', 500],
    [A, 'page_view', 300],
    [A, 'signup', 10],
    [A, 'Checkout_Started', 5],
    [A, 'check%', 1],
    [B, 'secret_b_event', 9999],
  ];
  for (const [project, name, count] of names) {
    await tdb.owner.query(
      'insert into analytics.event_names (project_id, event_name, count, last_seen) values ($1, $2, $3, $4)',
      [project, name, count, at('2025-03-10T11:59Z')],
    );
  }
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

async function get<T>(path: string, schema: { parse(v: unknown): T }, key = t.readKeyA): Promise<T> {
  const response = await server.get(path, { key });
  expect(response.status, await response.clone().text()).toBe(200);
  return schema.parse(await response.json());
}

async function fieldsOf(path: string) {
  const response = await server.get(path, { key: t.readKeyA });
  expect(response.status).toBe(400);
  const body = (await response.json()) as { error: { code: string; fields: Array<{ field: string }> } };
  expect(body.error.code).toBe('INVALID_FIELD');
  return body.error.fields.map((f) => f.field);
}

describe('overview', () => {
  test('the default range is the 24 hours before now', async () => {
    expect(await get('/v1/stats/overview', Overview)).toEqual({
      from: '2025-03-09T12:30:00.000Z',
      to: '2025-03-10T12:30:00.000Z',
      events: 7 + 1 + 2 + 5 + 3 + 4 + 6,
      unique_users: 3, // u1, u2, u3 over 03-09 and 03-10
      sessions: 2, // s1, s2
      page_views: 1 + 10 + 4 + 9,
      bot_events: 7 + 3, // counted apart, over 03-09 and 03-10
      excluded_events: 12, // the project's own traffic, counted apart the same way
    });
  });

  test('an explicit range, in epoch ms and ISO', async () => {
    const body = await get(
      `/v1/stats/overview?from=${Date.UTC(2025, 2, 10)}&to=2025-03-10T12:00:00%2B00:00`,
      Overview,
    );
    expect(body).toMatchObject({
      events: 1 + 2 + 5 + 3 + 4,
      unique_users: 2,
      sessions: 1,
      page_views: 14,
      bot_events: 3,
      excluded_events: 12,
    });
  });

  test("B's numbers are B's", async () => {
    expect(await get('/v1/stats/overview', Overview, t.readKeyB)).toMatchObject({
      events: 1000,
      unique_users: 5,
      sessions: 3,
      page_views: 500,
      bot_events: 40,
      excluded_events: 8,
    });
  });

  test('not-counted: the overview’s bot and excluded events alone, for the same ranges and projects', async () => {
    expect(await get('/v1/stats/not-counted', NotCounted)).toEqual({
      from: '2025-03-09T12:30:00.000Z',
      to: '2025-03-10T12:30:00.000Z',
      bot_events: 7 + 3,
      excluded_events: 12,
    });
    const range = `from=${Date.UTC(2025, 2, 10)}&to=2025-03-10T12:00:00%2B00:00`;
    const [overview, apart] = [
      await get(`/v1/stats/overview?${range}`, Overview),
      await get(`/v1/stats/not-counted?${range}`, NotCounted),
    ];
    expect(apart).toEqual({
      from: overview.from,
      to: overview.to,
      bot_events: overview.bot_events,
      excluded_events: overview.excluded_events,
    });
    expect(await get('/v1/stats/not-counted', NotCounted, t.readKeyB)).toMatchObject({
      bot_events: 40,
      excluded_events: 8,
    });
    expect(await fieldsOf('/v1/stats/not-counted?from=last%20week')).toEqual(['from']);
  });

  test('from after to, and bad dates, are 400s naming the parameter', async () => {
    expect(await fieldsOf('/v1/stats/overview?from=2025-03-10T00:00:00Z&to=2025-03-09T00:00:00Z')).toEqual([
      'from',
    ]);
    expect(await fieldsOf('/v1/stats/overview?to=2025-02-30')).toEqual(['to']);
    expect(await fieldsOf('/v1/stats/overview?from=last%20week')).toEqual(['from']);
  });
});

describe('volume', () => {
  test('hourly buckets, zero-filled', async () => {
    const body = await get(
      '/v1/stats/volume?interval=hour&from=2025-03-10T09:00:00Z&to=2025-03-10T13:00:00Z',
      Volume,
    );
    expect(body.buckets).toEqual([
      { start: '2025-03-10T09:00:00.000Z', count: 0 },
      { start: '2025-03-10T10:00:00.000Z', count: 1 },
      { start: '2025-03-10T11:00:00.000Z', count: 2 + 5 + 3 + 4 },
      { start: '2025-03-10T12:00:00.000Z', count: 6 + 1000 },
    ]);
    expect(body.breakdown).toBeNull();
  });

  test('the default: hourly over the last 24 hours, 25 buckets as `from` is mid-hour', async () => {
    const body = await get('/v1/stats/volume', Volume);
    expect(body.interval).toBe('hour');
    expect(body.buckets).toHaveLength(25);
    expect(body.buckets[0]).toEqual({ start: '2025-03-09T12:00:00.000Z', count: 100 + 7 });
    expect(body.buckets.at(-1)).toEqual({ start: '2025-03-10T12:00:00.000Z', count: 6 });
    expect(body.buckets.reduce((s, b) => s + b.count, 0)).toBe(100 + 7 + 1 + 2 + 5 + 3 + 4 + 6);
  });

  test('minute buckets', async () => {
    const body = await get(
      '/v1/stats/volume?interval=minute&from=2025-03-10T11:57:00Z&to=2025-03-10T12:01:00Z',
      Volume,
    );
    expect(body.buckets.map((b) => b.count)).toEqual([0, 0, 12, 0]);
  });

  test('day buckets', async () => {
    const body = await get('/v1/stats/volume?interval=day', Volume);
    expect(body.buckets).toEqual([
      { start: '2025-03-09T00:00:00.000Z', count: 107 },
      { start: '2025-03-10T00:00:00.000Z', count: 1 + 2 + 5 + 3 + 4 + 6 },
    ]);
  });

  test('a range of too many buckets is refused with the fix that works: day is the widest interval', async () => {
    const message = async (interval: string) => {
      const response = await server.get(
        `/v1/stats/volume?interval=${interval}&from=2001-01-01T00:00:00Z&to=2099-01-01T00:00:00Z`,
        { key: t.readKeyA },
      );
      expect(response.status).toBe(400);
      return ((await response.json()) as { error: { message: string } }).error.message;
    };
    expect(await message('day')).toMatch(/: use a shorter range$/);
    expect(await message('hour')).toMatch(/use a wider interval or a shorter range$/);
  });

  test('one event name', async () => {
    const body = await get('/v1/stats/volume?interval=day&event_name=click', Volume);
    expect(body.buckets.map((b) => b.count)).toEqual([107, 7]);
  });

  test('a breakdown by event name: the top names and "other"', async () => {
    const body = await get('/v1/stats/volume?interval=day&breakdown=event_name&top=2', Volume);
    expect(body.breakdown).toEqual({
      series: [
        { event_name: 'click', total: 114, counts: [107, 7] },
        { event_name: 'hover', total: 6, counts: [0, 6] },
      ],
      other: { total: 1 + 3 + 4, counts: [0, 8] },
    });
    for (let i = 0; i < body.buckets.length; i++) {
      const sum =
        body.breakdown!.series.reduce((s, x) => s + x.counts[i]!, 0) + body.breakdown!.other.counts[i]!;
      expect(sum).toBe(body.buckets[i]!.count);
    }
  });

  test("B's volume is B's", async () => {
    const body = await get('/v1/stats/volume?interval=day&breakdown=event_name', Volume, t.readKeyB);
    expect(body.buckets.map((b) => b.count)).toEqual([0, 1000]);
    expect(body.breakdown!.series.map((s) => s.event_name)).toEqual(['click', 'b_only']);
  });

  test('too many buckets is a 400 naming interval; bad values name theirs', async () => {
    expect(
      await fieldsOf('/v1/stats/volume?interval=minute&from=2025-03-01T00:00:00Z&to=2025-03-09T00:00:00Z'),
    ).toEqual(['interval']);
    // exactly 7 days of minutes is fine, and so is "the last 7 days" from mid-minute
    const mid = await server.get(
      `/v1/stats/volume?interval=minute&from=${NOW - 7 * 86_400_000 - 30_000}&to=${NOW - 30_000}`,
      {
        key: t.readKeyA,
      },
    );
    expect(mid.status).toBe(200);
    expect(((await mid.json()) as { buckets: unknown[] }).buckets).toHaveLength(7 * 24 * 60 + 1);
    const ok = await server.get(
      '/v1/stats/volume?interval=minute&from=2025-03-01T00:00:00Z&to=2025-03-08T00:00:00Z',
      {
        key: t.readKeyA,
      },
    );
    expect(ok.status).toBe(200);
    expect(await fieldsOf('/v1/stats/volume?interval=week')).toEqual(['interval']);
    expect(await fieldsOf('/v1/stats/volume?breakdown=user_id')).toEqual(['breakdown']);
    expect(await fieldsOf('/v1/stats/volume?breakdown=event_name&top=21')).toEqual(['top']);
  });
});

describe('top events and pages', () => {
  test('top events in the default range', async () => {
    expect(await get('/v1/stats/top-events', TopEvents)).toEqual({
      from: '2025-03-09T12:30:00.000Z',
      to: '2025-03-10T12:30:00.000Z',
      items: [
        { event_name: 'click', count: 14 },
        { event_name: 'hover', count: 6 },
        { event_name: 'scroll', count: 4 },
        { event_name: 'page_view', count: 3 },
        { event_name: 'signup', count: 1 },
      ],
    });
    const limited = await get('/v1/stats/top-events?limit=2', TopEvents);
    expect(limited.items.map((i) => i.event_name)).toEqual(['click', 'hover']);
  });

  test('top pages in the default range', async () => {
    expect((await get('/v1/stats/top-pages', TopPages)).items).toEqual([
      { path: '/home', views: 20 },
      { path: '/pricing', views: 4 },
    ]);
    expect((await get('/v1/stats/top-pages', TopPages, t.readKeyB)).items).toEqual([
      { path: '/secret', views: 500 },
    ]);
  });

  test('limits are bounded', async () => {
    expect(await fieldsOf('/v1/stats/top-pages?limit=101')).toEqual(['limit']);
    expect(await fieldsOf('/v1/stats/top-events?limit=0')).toEqual(['limit']);
  });
});

describe('event names', () => {
  test('most frequent first', async () => {
    const body = await get('/v1/event-names', EventNames);
    expect(body.items.map((i) => i.event_name)).toEqual([
      'click',
      'page_view',
      'signup',
      'Checkout_Started',
      'check%',
    ]);
    expect(body.items[0]).toEqual({ event_name: 'click', count: 500, last_seen: '2025-03-10T11:59:00.000Z' });
  });

  test('a prefix is case-insensitive and literal (no LIKE wildcards)', async () => {
    const names = async (prefix: string) =>
      (await get(`/v1/event-names?prefix=${encodeURIComponent(prefix)}`, EventNames)).items.map(
        (i) => i.event_name,
      );
    expect(await names('CHECK')).toEqual(['Checkout_Started', 'check%']);
    expect(await names('check%')).toEqual(['check%']);
    expect(await names('_')).toEqual([]);
    expect(await names('%')).toEqual([]);
    expect(await names('secret')).toEqual([]); // B's name
  });

  test('a session reading B sees B’s names', async () => {
    const response = await server.get(`/v1/event-names?project_id=${t.projectB}`, {
      cookie: sessionCookie(),
    });
    expect(EventNames.parse(await response.json()).items.map((i) => i.event_name)).toEqual([
      'secret_b_event',
    ]);
  });
});
