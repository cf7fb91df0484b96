/**
 * Given a few hundred events in two projects, when the explorer pages through them with and without
 * filters, then every row of the caller's project comes exactly once, latest first, and nothing of
 * the other project ever does. Given a known set of visits and events in a third project, the
 * Stats API's filters (`filters`) list exactly the matching events, bots included unless a filter
 * leaves them out, page by keyset, ride the keyset index, and a bad filter is a 400 naming it.
 * Given that project's goals (an event goal, a page goal, a page pattern goal and one nobody
 * reaches) in its settings, an `event:goal` filter lists exactly the events reaching the goals it
 * names (`is_not`: the rest), as the Stats API counts its completions.
 */
import { randomUUID } from 'node:crypto';
import knex from 'knex';
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
import { sessionCookie } from '../test-support/session';
import { readerTables } from '@eventlens/read-model';
import { EventsPage, eventFilterQuery, eventsQuery, parseEventFilters } from './events';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;
let eventsA: Array<
  Required<Pick<EventFixture, 'event_id' | 'event_name' | 'user_id' | 'session_id'>> & { ts: Date }
>;
let idsB: string[];

const BASE = Date.UTC(2025, 2, 1, 12);
const NAMES = ['page_view', 'click', 'signup'];

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl);
  eventsA = [];
  for (let i = 0; i < 240; i++) {
    eventsA.push({
      event_id: randomUUID(),
      event_name: NAMES[i % 3]!,
      user_id: i % 4 === 0 ? null : `user-${i % 5}`,
      session_id: `s-${i % 7}`,
      // Many share a timestamp, so the event_id tiebreak is exercised on every page.
      ts: new Date(BASE - Math.floor(i / 4) * 60_000),
    });
  }
  await insertEvents(
    tdb.owner,
    eventsA.map((e, i) => ({
      ...e,
      project_id: t.projectA,
      anonymous_id: `anon-${i % 9}`,
      url: `https://a.example/p/${i % 6}?q=1`,
      referrer: i % 2 ? 'https://ref.example/' : null,
      metadata: { i, nested: { ok: true } },
      context: { locale: 'en' },
      received_at: new Date(e.ts.getTime() + 1500),
    })),
  );
  // Project B: the same names, users and sessions, interleaved in time.
  idsB = await insertEvents(
    tdb.owner,
    Array.from({ length: 60 }, (_, i) => ({
      project_id: t.projectB,
      event_name: NAMES[i % 3]!,
      user_id: `user-${i % 5}`,
      session_id: `s-${i % 7}`,
      ts: new Date(BASE - i * 30_000),
    })),
  );
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

const order = (a: { ts: Date; event_id: string }, b: { ts: Date; event_id: string }) =>
  b.ts.getTime() - a.ts.getTime() || (a.event_id < b.event_id ? 1 : a.event_id > b.event_id ? -1 : 0);

async function walk(query: string, init: { key?: string; cookie?: string } = { key: t.readKeyA }) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = query ? '&' : '';
    const response = await server.get(`/v1/events?${query}${cursor ? `${sep}cursor=${cursor}` : ''}`, init);
    expect(response.status).toBe(200);
    const page = EventsPage.parse(await response.json());
    ids.push(...page.items.map((e) => e.event_id));
    cursor = page.next_cursor;
    pages++;
    expect(pages).toBeLessThan(500);
  } while (cursor);
  return { ids, pages };
}

describe('keyset pagination', () => {
  test('walks every row exactly once, latest first, across pages', async () => {
    const { ids, pages } = await walk('limit=17');
    const expected = [...eventsA].sort(order).map((e) => e.event_id);
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(240);
    expect(pages).toBe(Math.ceil(240 / 17));
  });

  test('a page that ends exactly at the last row has no next cursor', async () => {
    const { pages } = await walk('limit=40');
    expect(pages).toBe(6);
  });

  test('default limit 50; 200 allowed; above 200 is a 400 naming limit', async () => {
    const page = EventsPage.parse(await (await server.get('/v1/events', { key: t.readKeyA })).json());
    expect(page.items).toHaveLength(50);
    expect(page.next_cursor).not.toBeNull();
    const big = EventsPage.parse(
      await (await server.get('/v1/events?limit=200', { key: t.readKeyA })).json(),
    );
    expect(big.items).toHaveLength(200);
    const tooBig = await server.get('/v1/events?limit=201', { key: t.readKeyA });
    expect(tooBig.status).toBe(400);
    expect(await tooBig.json()).toEqual({
      error: {
        code: 'INVALID_FIELD',
        message: 'limit: must be a whole number from 1 to 200',
        fields: [{ field: 'limit', message: 'must be a whole number from 1 to 200' }],
      },
    });
    const notANumber = await server.get('/v1/events?limit=abc', { key: t.readKeyA });
    expect(notANumber.status).toBe(400);
    expect(((await notANumber.json()) as { error: { message: string } }).error.message).toBe(
      'limit: must be a whole number from 1 to 200',
    );
  });

  test.each([
    'garbage',
    'eyJub3QiOiJ0aGlzIn0',
    Buffer.from('["sessions","2025-01-01T00:00:00Z","s"]').toString('base64url'),
  ])('cursor %s is a 400 naming cursor', async (cursor) => {
    const response = await server.get(`/v1/events?cursor=${encodeURIComponent(cursor)}`, { key: t.readKeyA });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { fields: Array<{ field: string }> } };
    expect(body.error.fields.map((f) => f.field)).toEqual(['cursor']);
  });
});

describe('filters', () => {
  test.each([
    ['event_name=click', (e: (typeof eventsA)[number]) => e.event_name === 'click'],
    ['user_id=user-3', (e: (typeof eventsA)[number]) => e.user_id === 'user-3'],
    ['session_id=s-2', (e: (typeof eventsA)[number]) => e.session_id === 's-2'],
    [
      'event_name=page_view&session_id=s-1&user_id=user-2',
      (e: (typeof eventsA)[number]) =>
        e.event_name === 'page_view' && e.session_id === 's-1' && e.user_id === 'user-2',
    ],
    [
      `from=${new Date(BASE - 20 * 60_000).toISOString()}&to=${BASE - 5 * 60_000}`,
      (e: (typeof eventsA)[number]) =>
        e.ts.getTime() >= BASE - 20 * 60_000 && e.ts.getTime() < BASE - 5 * 60_000,
    ],
    ['event_name=nothing-like-this', () => false],
  ])('%s, paged by 7', async (query, keep) => {
    const { ids } = await walk(`${query}&limit=7`);
    expect(ids).toEqual(
      eventsA
        .filter(keep)
        .sort(order)
        .map((e) => e.event_id),
    );
  });

  test('from after to is a 400 naming from', async () => {
    const response = await server.get(`/v1/events?from=${BASE}&to=${BASE - 1}`, { key: t.readKeyA });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { fields: Array<{ field: string }> } };
    expect(body.error.fields[0]!.field).toBe('from');
  });
});

describe('items', () => {
  test('carry every field, with ISO times and objects', async () => {
    const e = eventsA[5]!;
    const response = await server.get(`/v1/events/${e.event_id}`, { key: t.readKeyA });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      event_id: e.event_id,
      event_name: e.event_name,
      session_id: e.session_id,
      user_id: e.user_id,
      anonymous_id: 'anon-5',
      url: 'https://a.example/p/5?q=1',
      page: '/p/5',
      referrer: 'https://ref.example/',
      timestamp: e.ts.toISOString(),
      received_at: new Date(e.ts.getTime() + 1500).toISOString(),
      metadata: { i: 5, nested: { ok: true } },
      context: { locale: 'en' },
    });
  });

  test('page is the event’s `event:page`: the path without the query string, with a hash route', async () => {
    const projectId = await insertProject(tdb.owner, 'Pages');
    const { key } = await insertKey(tdb.owner, projectId, 'read');
    const pages: Array<[url: string | null, page: string | null]> = [
      ['https://x.dev/blog?utm_source=twitter', '/blog'],
      ['https://x.dev/demo/app/#/settings', '/demo/app/#/settings'],
      [null, null],
    ];
    const ids = await insertEvents(
      tdb.owner,
      pages.map(([url], i) => ({ project_id: projectId, url, ts: new Date(BASE - i * 1000) })),
    );
    const list = EventsPage.parse(await (await server.get('/v1/events', { key })).json());
    expect(list.items.map((e) => [e.url, e.page])).toEqual(pages);
    for (const [i, id] of ids.entries()) {
      const one = (await (await server.get(`/v1/events/${id}`, { key })).json()) as { page: string | null };
      expect(one.page).toBe(pages[i]![1]);
    }
    // What the page filter (the Stats API's event:page) matches is what each item says its page is.
    const filtered = await server.get(
      `/v1/events?filters=${encodeURIComponent('[["is","event:page",["/demo/app/#/settings"]]]')}`,
      { key },
    );
    expect(EventsPage.parse(await filtered.json()).items.map((e) => e.event_id)).toEqual([ids[1]]);
  });

  test('an unknown id is a 404; a malformed one a 400 naming event_id', async () => {
    expect((await server.get(`/v1/events/${randomUUID()}`, { key: t.readKeyA })).status).toBe(404);
    const bad = await server.get('/v1/events/42', { key: t.readKeyA });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { fields: Array<{ field: string }> } };
    expect(body.error.fields.map((f) => f.field)).toEqual(['event_id']);
  });
});

describe('tenancy', () => {
  test("B's event through A's key is a 404, through B's key a 200", async () => {
    expect((await server.get(`/v1/events/${idsB[0]}`, { key: t.readKeyA })).status).toBe(404);
    expect((await server.get(`/v1/events/${idsB[0]}`, { key: t.readKeyB })).status).toBe(200);
  });

  test("a session reading project A does not see B's event; reading B it does", async () => {
    const cookie = sessionCookie();
    expect((await server.get(`/v1/events/${idsB[0]}?project_id=${t.projectA}`, { cookie })).status).toBe(404);
    expect((await server.get(`/v1/events/${idsB[0]}?project_id=${t.projectB}`, { cookie })).status).toBe(200);
  });

  test("A's list never holds B's rows, even filtered by B's names, users and sessions", async () => {
    const { ids } = await walk('limit=200&user_id=user-1&session_id=s-1');
    expect(ids.some((id) => idsB.includes(id))).toBe(false);
    const b = await walk('limit=200', { key: t.readKeyB });
    expect(new Set(b.ids)).toEqual(new Set(idsB));
  });
});

/**
 * Project C: three visits and the events the projection would have made them from, a bot's events
 * (no visit: bots make none), a server-side event without a session, and in project B a visit
 * with the same session id as one of C's (the join must not cross projects).
 */
const C_DAY = Date.UTC(2025, 4, 1, 9);
const at = (minute: number) => new Date(C_DAY + minute * 60_000);
interface KnownEvent {
  id: string;
  name: string;
  session: string | null;
  url: string | null;
  minute: number;
  bot?: boolean;
  metadata?: Record<string, unknown>;
}
const known: KnownEvent[] = [
  {
    id: 'c0000000-0000-4000-8000-000000000001',
    name: 'page_view',
    session: 'v1',
    url: 'https://c.test/',
    minute: 0,
  },
  {
    id: 'c0000000-0000-4000-8000-000000000002',
    name: 'page_view',
    session: 'v1',
    url: 'https://c.test/blog/a',
    minute: 1,
  },
  {
    id: 'c0000000-0000-4000-8000-000000000003',
    name: 'click',
    session: 'v1',
    url: 'https://c.test/blog/a#top',
    minute: 2,
  },
  {
    id: 'c0000000-0000-4000-8000-000000000004',
    name: 'page_view',
    session: 'v2',
    url: 'https://c.test/pricing',
    minute: 3,
  },
  {
    id: 'c0000000-0000-4000-8000-000000000005',
    name: 'signup',
    session: 'v2',
    url: 'https://c.test/pricing?plan=pro',
    minute: 4,
    metadata: { plan: 'pro' },
  },
  {
    id: 'c0000000-0000-4000-8000-000000000006',
    name: 'page_view',
    session: 'v3',
    url: 'https://c.test/blog/b?x=1',
    minute: 5,
  },
  {
    id: 'c0000000-0000-4000-8000-000000000007',
    name: 'page_view',
    session: 'bot-1',
    url: 'https://c.test/blog/a',
    minute: 6,
    bot: true,
  },
  {
    id: 'c0000000-0000-4000-8000-000000000008',
    name: 'purchase',
    session: null,
    url: null,
    minute: 7,
    metadata: { plan: 'team' },
  },
];
/** Visits of C: v1 from Google in Germany on Firefox, v2 direct from the US on Chrome, v3 from Google in the US. */
const visits = [
  {
    session: 'v1',
    source: 'Google',
    browser: 'Firefox',
    country: 'DE',
    utm_campaign: 'spring',
    entry: '/',
    exit: '/blog/a',
  },
  {
    session: 'v2',
    source: 'Direct / None',
    browser: 'Chrome',
    country: 'US',
    utm_campaign: null,
    entry: '/pricing',
    exit: '/pricing',
  },
  {
    session: 'v3',
    source: 'Google',
    browser: 'Chrome',
    country: 'US',
    utm_campaign: null,
    entry: '/blog/b',
    exit: '/blog/b',
  },
];
let projectC: string;
let readKeyC: string;

async function insertVisit(projectId: string, v: (typeof visits)[number], first: Date): Promise<void> {
  await tdb.owner.query(
    `insert into analytics.sessions (project_id, session_id, first_seen, last_seen, event_count, page_views,
       entry_path, exit_path, source, utm_campaign, browser, country)
     values ($1, $2, $3, $3, 1, 1, $4, $5, $6, $7, $8, $9)`,
    [projectId, v.session, first, v.entry, v.exit, v.source, v.utm_campaign, v.browser, v.country],
  );
}

beforeAll(async () => {
  projectC = await insertProject(tdb.owner, 'Project C');
  readKeyC = (await insertKey(tdb.owner, projectC, 'read')).key;
  await insertEvents(
    tdb.owner,
    known.map((e) => ({
      project_id: projectC,
      event_id: e.id,
      event_name: e.name,
      session_id: e.session,
      anonymous_id: 'anon-c',
      url: e.url,
      ts: at(e.minute),
      metadata: e.metadata ?? {},
      context: (e.bot ? { bot: 'crawler' } : {}) as Record<string, string>,
    })),
  );
  for (const v of visits) await insertVisit(projectC, v, at(0));
  // Project B has a visit v2 from Google: C's v2 stays Direct.
  await insertVisit(t.projectB, { ...visits[1]!, source: 'Google' }, at(0));
  // C's goals; B has a goal of the same name reached by other events (the goals are the caller's).
  await tdb.owner.query(
    `insert into admin.project_settings (project_id, time_zone, domains, goals, updated_at)
     values ($1, 'UTC', '{}', $2::jsonb, now()), ($3, 'UTC', '{}', $4::jsonb, now())`,
    [
      projectC,
      JSON.stringify(GOALS_C),
      t.projectB,
      JSON.stringify([{ name: 'Signed up', event_name: 'page_view' }]),
    ],
  );
});

/**
 * C's goals: the event `signup` (event 5), the page /pricing (event 4's page view; event 5 happened
 * on /pricing?plan=pro but is no page view), the pattern /blog/* (the page views 2, 6 and the bot's
 * 7; event 3 is a click on /blog/a), and an event nobody sends.
 */
const GOALS_C = [
  { name: 'Signed up', event_name: 'signup' },
  { name: 'Saw pricing', page_path: '/pricing' },
  { name: 'Read the blog', page_path: '/blog/*' },
  { name: 'Purchased', event_name: 'checkout' },
];

const ids = (...n: number[]) => n.map((i) => known[i - 1]!.id);

async function walkC(filters: unknown, extra = '', limit = 2) {
  const q = `filters=${encodeURIComponent(JSON.stringify(filters))}&limit=${limit}${extra}`;
  return (await walk(q, { key: readKeyC })).ids;
}

describe('Stats API filters (filters=)', () => {
  test.each([
    [
      'a visit dimension: the events of visits from Google, no bot',
      [['is', 'visit:source', ['Google']]],
      ids(6, 3, 2, 1),
    ],
    [
      'is_not on a visit dimension: events without such a visit, bots and server-side ones too',
      [['is_not', 'visit:source', ['Google']]],
      ids(8, 7, 5, 4),
    ],
    [
      'a page (the path as the reports have it), bots included',
      [['contains', 'event:page', ['/blog']]],
      ids(7, 6, 3, 2),
    ],
    ['a page exactly: no query string, no anchor', [['is', 'event:page', ['/pricing']]], ids(5, 4)],
    [
      'two filters: both apply',
      [
        ['is', 'visit:browser', ['Chrome']],
        ['is', 'event:name', ['page_view']],
      ],
      ids(6, 4),
    ],
    [
      'or',
      [
        [
          'or',
          [
            ['is', 'visit:country', ['DE']],
            ['is', 'event:name', ['signup']],
          ],
        ],
      ],
      ids(5, 3, 2, 1),
    ],
    ['not', [['not', ['is', 'event:name', ['page_view']]]], ids(8, 5, 3)],
    [
      'and inside not',
      [
        [
          'not',
          [
            'and',
            [
              ['is', 'visit:country', ['US']],
              ['is', 'event:name', ['page_view']],
            ],
          ],
        ],
      ],
      ids(8, 7, 5, 3, 2, 1),
    ],
    ['a metadata key', [['is', 'event:props:plan', ['pro', 'team']]], ids(8, 5)],
    // The host's pattern holds `?`s, written so that knex does not take them for placeholders.
    ['a host', [['is', 'event:hostname', ['C.TEST'], { case_sensitive: false }]], ids(7, 6, 5, 4, 3, 2, 1)],
    ['not a host: an event without a URL', [['is_not', 'event:hostname', ['c.test']]], ids(8)],
    ['case-insensitive', [['is', 'visit:browser', ['firefox'], { case_sensitive: false }]], ids(3, 2, 1)],
    ['matches', [['matches', 'visit:utm_campaign', ['^spr']]], ids(3, 2, 1)],
    [
      'has_done: every event of the visits with a click',
      [['has_done', ['is', 'event:name', ['click']]]],
      ids(3, 2, 1),
    ],
    [
      'has_not_done: the events of the visits without a signup, and of no visit at all',
      [['has_not_done', ['is', 'event:name', ['signup']]]],
      ids(8, 7, 6, 3, 2, 1),
    ],
    ['has_done a goal', [['has_done', ['is', 'event:goal', ['Signed up']]]], ids(5, 4)],
    ['nothing', [['is', 'visit:country', ['FR']]], []],
    ['an empty list: no filter', [], ids(8, 7, 6, 5, 4, 3, 2, 1)],
  ])('%s, paged by 2', async (_name, filters, expected) => {
    expect(await walkC(filters)).toEqual(expected);
  });

  test('with the other parameters: event name and a time range', async () => {
    const range = `&from=${at(1).toISOString()}&to=${at(6).toISOString()}&event_name=page_view`;
    expect(await walkC([['is', 'visit:source', ['Google']]], range)).toEqual(ids(6, 2));
  });

  test('a console session reading C sees the same; another project’s key is a 404', async () => {
    const filters = encodeURIComponent(JSON.stringify([['is', 'visit:source', ['Google']]]));
    const page = await server.get(`/v1/events?project_id=${projectC}&filters=${filters}`, {
      cookie: sessionCookie(),
    });
    expect(EventsPage.parse(await page.json()).items.map((e) => e.event_id)).toEqual(ids(6, 3, 2, 1));
    const other = await server.get(`/v1/events?project_id=${projectC}&filters=${filters}`, {
      key: t.readKeyA,
    });
    expect(other.status).toBe(404);
  });

  test.each([
    ['not JSON', 'garbage', 'filters', /must be JSON/],
    ['not a list', '{"a":1}', 'filters', /must be a list of filters/],
    ['a filter that is no list', '[["is","event:name",["x"]], "visit:source"]', 'filters[1]', /Stats API/],
    [
      'an unknown dimension',
      '[["is","visit:sorce",["Google"]]]',
      'filters[0][1]',
      /unknown or unsupported dimension 'visit:sorce'; use one of event:page, .*visit:source/,
    ],
    [
      'values that are no list',
      '[["is","event:page",["/"]],["is","visit:source","Google"]]',
      'filters[1][2]',
      /must be 1 to 100 strings/,
    ],
    ['an unknown operator', '[["equals","event:page",["/"]]]', 'filters[0][0]', /use is, is_not, contains/],
    ['a time dimension', '[["is","time:day",["2025-05-01"]]]', 'filters[0][1]', /cannot be filtered on/],
    [
      'a nested mistake',
      '[["or",[["is","event:name",["a"]],["is","visit:x",["y"]]]]]',
      'filters[0][1][1][1]',
      /unknown or unsupported dimension/,
    ],
    [
      'more than 30',
      JSON.stringify(Array.from({ length: 31 }, () => ['is', 'event:name', ['a']])),
      'filters',
      /Too big/,
    ],
    ['a goal filter without values', '[["is","event:goal",[]]]', 'filters[0][2]', /must be 1 to 100 strings/],
    [
      'a regular expression PostgreSQL cannot compile',
      '[["matches","event:page",["("]]]',
      'filters',
      /regular expression/,
    ],
  ])('%s is a 400 naming the filter and the fix', async (_name, text, field, message) => {
    const response = await server.get(`/v1/events?filters=${encodeURIComponent(text)}`, { key: readKeyC });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { code: string; fields: Array<{ field: string; message: string }> };
    };
    expect(body.error.code).toBe('INVALID_FIELD');
    expect(body.error.fields.map((f) => f.field)).toEqual([field]);
    expect(body.error.fields[0]!.message).toMatch(message);
  });

  test('a filtered page rides the keyset index, and a visit filter looks visits up by key', async () => {
    const filters = parseEventFilters(
      JSON.stringify([
        ['is', 'visit:source', ['Google']],
        ['contains', 'event:page', ['/blog']],
        ['is_not', 'event:goal', ['Signed up']],
      ]),
    );
    const { sql, bindings } = eventsQuery(knex({ client: 'pg' }), readerTables(), {
      projectId: projectC,
      limit: 50,
      filters: eventFilterQuery(projectC, filters!, GOALS_C),
    })
      .toSQL()
      .toNative();
    const client = await tdb.owner.connect();
    try {
      await client.query('begin');
      // A small table would be read whole whatever its indexes: ask what the planner can do.
      await client.query('set local enable_seqscan = off');
      await client.query('set local enable_sort = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, bindings as unknown[]);
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index Scan using events_keyset on events e/);
      expect(plan).toMatch(/Index Scan using sessions_pkey on sessions es/);
      expect(plan).not.toMatch(/Sort/);
      await client.query('rollback');
    } finally {
      client.release();
    }
  });
});

describe('goal filters (event:goal, the project’s goals)', () => {
  test.each([
    ['an event goal: its events', [['is', 'event:goal', ['Signed up']]], ids(5)],
    ['a page goal: the page views of that page only', [['is', 'event:goal', ['Saw pricing']]], ids(4)],
    [
      'a page pattern goal: the page views matching it, the bot’s too (the explorer lists bots)',
      [['is', 'event:goal', ['Read the blog']]],
      ids(7, 6, 2),
    ],
    [
      'is_not a goal: every event reaching none of the named goals',
      [['is_not', 'event:goal', ['Read the blog']]],
      ids(8, 5, 4, 3, 1),
    ],
    ['is_not two goals', [['is_not', 'event:goal', ['Read the blog', 'Signed up']]], ids(8, 4, 3, 1)],
    ['is two goals: either', [['is', 'event:goal', ['Signed up', 'Saw pricing']]], ids(5, 4)],
    ['contains, on the goal names', [['contains', 'event:goal', ['blog']]], ids(7, 6, 2)],
    ['case-insensitive names', [['is', 'event:goal', ['signed UP'], { case_sensitive: false }]], ids(5)],
    ['a goal nobody reached: nothing', [['is', 'event:goal', ['Purchased']]], []],
    ['a name no goal has: nothing (not a 400), as in the Stats API', [['is', 'event:goal', ['Nope']]], []],
    [
      'with a visit filter: both apply (the bot has no visit)',
      [
        ['is', 'event:goal', ['Read the blog']],
        ['is', 'visit:source', ['Google']],
      ],
      ids(6, 2),
    ],
    [
      'inside not and or',
      [
        [
          'not',
          [
            'or',
            [
              ['is', 'event:goal', ['Read the blog']],
              ['is', 'event:name', ['page_view']],
            ],
          ],
        ],
      ],
      ids(8, 5, 3),
    ],
  ])('%s, paged by 2', async (_name, filters, expected) => {
    expect(await walkC(filters)).toEqual(expected);
  });

  test('the goals are the project’s: another project’s goal of the same name counts nothing here', async () => {
    // B's "Signed up" is every page view; C's is the signup event alone.
    expect(await walkC([['is', 'event:goal', ['Signed up']]], '', 50)).toEqual(ids(5));
  });

  test('a project without settings has no goals: a goal filter matches nothing, is_not everything', async () => {
    const filters = (f: unknown) => encodeURIComponent(JSON.stringify(f));
    const is = await server.get(`/v1/events?filters=${filters([['is', 'event:goal', ['Signed up']]])}`, {
      key: t.readKeyA,
    });
    expect(is.status).toBe(200);
    expect(EventsPage.parse(await is.json()).items).toEqual([]);
    const isNot = await server.get(
      `/v1/events?limit=200&filters=${filters([['is_not', 'event:goal', ['Signed up']]])}`,
      { key: t.readKeyA },
    );
    expect(EventsPage.parse(await isNot.json()).items).toHaveLength(200);
  });

  test('the events of a goal are those the Stats API counts as its completions, bots aside', async () => {
    const res = await fetch(`${server.url}/api/v2/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${readKeyC}` },
      body: JSON.stringify({
        site_id: projectC,
        metrics: ['events'],
        dimensions: ['event:goal'],
        date_range: [at(0).toISOString(), at(10).toISOString()],
      }),
    });
    const answer = (await res.json()) as { results: Array<{ dimensions: string[]; metrics: number[] }> };
    const completions = Object.fromEntries(answer.results.map((r) => [r.dimensions[0], r.metrics[0]]));
    const human = new Set(known.filter((e) => !e.bot).map((e) => e.id));
    const listed: Record<string, number> = {};
    for (const goal of GOALS_C) {
      const events = (await walkC([['is', 'event:goal', [goal.name]]], '', 50)).filter((id) => human.has(id));
      if (events.length > 0) listed[goal.name] = events.length;
    }
    expect(listed).toEqual(completions);
    expect(listed).toEqual({ 'Signed up': 1, 'Saw pricing': 1, 'Read the blog': 2 });
  });
});
