/**
 * Given sessions and their events in two projects, when the sessions list is paged and one
 * session is opened, then the list walks every session once, most recent first, and the
 * timeline lists the session's events oldest first, page by page; each session names its entry
 * and exit pages as the Stats API's visit:entry_page and visit:exit_page do.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { pagePath } from '@eventlens/read-model';
import {
  insertEvents,
  insertKey,
  insertProject,
  insertVisitsOfEvents,
  seedTenants,
  type Tenants,
} from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';
import { sessionCookie } from '../test-support/session';
import { statsResults } from '../test-support/stats';
import { SessionDetail, SessionsPage } from './sessions';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;

const BASE = Date.UTC(2025, 3, 1, 12);
interface S {
  id: string;
  user: string | null;
  first: number;
  last: number;
}
const sessionsA: S[] = Array.from({ length: 31 }, (_, i) => ({
  id: `sess-${String(i).padStart(2, '0')}`,
  user: i % 3 === 0 ? 'alice' : i % 3 === 1 ? 'bob' : null,
  first: BASE - i * 600_000 - 300_000,
  // Pairs share last_seen: the session_id tiebreak matters.
  last: BASE - Math.floor(i / 2) * 600_000,
}));
const SPECIAL = 'sess/ä 1?#&';
let timeline: string[];
/** A project of two visits built from their events: one through three pages, one without a URL. */
let pages: { projectId: string; key: string };

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl);
  const insert = (
    project: string,
    s: S,
    extra: Partial<{ count: number; views: number; entry: string; exit: string }> = {},
  ) =>
    tdb.owner.query(
      `insert into analytics.sessions (project_id, session_id, user_id, anonymous_id, first_seen, last_seen,
         event_count, page_views, entry_url, exit_url, entry_path, exit_path)
       values ($1, $2, $3, 'anon', $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        project,
        s.id,
        s.user,
        new Date(s.first),
        new Date(s.last),
        extra.count ?? 1,
        extra.views ?? 0,
        extra.entry ?? null,
        extra.exit ?? null,
        // The URLs' paths, as the analytics projection writes them.
        extra.entry === undefined ? null : pagePath(extra.entry),
        extra.exit === undefined ? null : pagePath(extra.exit),
      ],
    );
  for (const s of sessionsA) await insert(t.projectA, s);
  await insert(
    t.projectA,
    { id: SPECIAL, user: 'carol', first: BASE - 86_400_000 * 3, last: BASE - 86_400_000 * 3 + 60_000 },
    {
      count: 12,
      views: 4,
      entry: 'https://a.example/start',
      exit: 'https://a.example/end',
    },
  );
  for (let i = 0; i < 5; i++)
    await insert(t.projectB, { id: `sess-0${i}`, user: 'alice', first: BASE - 1000, last: BASE });
  // The special session's 12 events, two sharing each timestamp; and B's events in a same-named session.
  timeline = await insertEvents(
    tdb.owner,
    Array.from({ length: 12 }, (_, i) => ({
      project_id: t.projectA,
      session_id: SPECIAL,
      event_name: i === 0 ? 'page_view' : 'click',
      url: `https://a.example/app/?ref=mail#/step/${i}`,
      ts: new Date(BASE - 86_400_000 * 3 + Math.floor(i / 2) * 5000),
    })),
  );
  const pagesProject = await insertProject(tdb.owner, 'Pages', new Date(BASE - 86_400_000 * 30));
  pages = { projectId: pagesProject, key: (await insertKey(tdb.owner, pagesProject, 'read')).key };
  const view = (session: string, url: string | null, seconds: number) => ({
    project_id: pagesProject,
    session_id: session,
    event_name: 'page_view',
    url,
    ts: new Date(BASE - 3_600_000 + seconds * 1000),
  });
  await insertEvents(tdb.owner, [
    view('v-1', 'https://x.dev/blog?utm_source=twitter', 0),
    view('v-1', 'https://x.dev/pricing', 10),
    view('v-1', 'https://x.dev/app/?ref=mail#/settings', 20),
    view('v-2', null, 30),
  ]);
  // Their visits as the analytics projection builds them; before B's events below, whose
  // same-named session is to have no visit row.
  await insertVisitsOfEvents(tdb.owner);
  await insertEvents(tdb.owner, [{ project_id: t.projectB, session_id: 'sess-00', ts: new Date(BASE) }]);
  await insertEvents(tdb.owner, [{ project_id: t.projectB, session_id: SPECIAL, ts: new Date(BASE) }]);
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

async function walk(query: string, key = t.readKeyA) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const response = await server.get(`/v1/sessions?${query}${cursor ? `&cursor=${cursor}` : ''}`, { key });
    expect(response.status).toBe(200);
    const page = SessionsPage.parse(await response.json());
    ids.push(...page.items.map((s) => s.session_id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

const byRecent = (a: S, b: S) => b.last - a.last || (a.id < b.id ? 1 : -1);

describe('sessions list', () => {
  test('walks every session once, most recently active first', async () => {
    const ids = await walk('limit=4');
    expect(ids).toEqual(
      [...sessionsA]
        .sort(byRecent)
        .map((s) => s.id)
        .concat(SPECIAL),
    );
  });

  test('by user', async () => {
    expect(await walk('limit=3&user_id=alice')).toEqual(
      sessionsA
        .filter((s) => s.user === 'alice')
        .sort(byRecent)
        .map((s) => s.id),
    );
  });

  test('active in [from, to)', async () => {
    const from = BASE - 3_000_000;
    const to = BASE - 1_000_000;
    expect(await walk(`limit=5&from=${from}&to=${to}`)).toEqual(
      sessionsA
        .filter((s) => s.last >= from && s.first < to)
        .sort(byRecent)
        .map((s) => s.id),
    );
  });

  test('items carry every field', async () => {
    const response = await server.get(`/v1/sessions?user_id=carol`, { key: t.readKeyA });
    expect(SessionsPage.parse(await response.json()).items).toEqual([
      {
        session_id: SPECIAL,
        user_id: 'carol',
        anonymous_id: 'anon',
        first_seen: new Date(BASE - 86_400_000 * 3).toISOString(),
        last_seen: new Date(BASE - 86_400_000 * 3 + 60_000).toISOString(),
        duration_ms: 60_000,
        event_count: 12,
        page_views: 4,
        entry_url: 'https://a.example/start',
        exit_url: 'https://a.example/end',
        entry_page: '/start',
        exit_page: '/end',
      },
    ]);
  });

  test("B's list holds B's sessions only, though the ids overlap", async () => {
    const ids = await walk('limit=200', t.readKeyB);
    expect(ids.sort()).toEqual(['sess-00', 'sess-01', 'sess-02', 'sess-03', 'sess-04']);
    const page = SessionsPage.parse(
      await (await server.get('/v1/sessions?limit=200', { key: t.readKeyB })).json(),
    );
    expect(
      page.items.every((s) => s.user_id === 'alice' && s.first_seen === new Date(BASE - 1000).toISOString()),
    ).toBe(true);
  });

  test('an events cursor is not a sessions cursor', async () => {
    const events = await (await server.get('/v1/events?limit=1', { key: t.readKeyA })).json();
    const cursor = (events as { next_cursor: string }).next_cursor;
    const response = await server.get(`/v1/sessions?cursor=${cursor}`, { key: t.readKeyA });
    expect(response.status).toBe(400);
  });
});

describe('entry and exit pages', () => {
  test('are the visit’s visit:entry_page and visit:exit_page: no query string, a hash route kept', async () => {
    const { projectId, key } = pages;
    const list = SessionsPage.parse(await (await server.get('/v1/sessions', { key })).json());
    expect(list.items.map((s) => [s.session_id, s.entry_url, s.entry_page, s.exit_url, s.exit_page])).toEqual(
      [
        ['v-2', null, null, null, null],
        [
          'v-1',
          'https://x.dev/blog?utm_source=twitter',
          '/blog',
          'https://x.dev/app/?ref=mail#/settings',
          '/app/#/settings',
        ],
      ],
    );
    const one = SessionDetail.parse(await (await server.get('/v1/sessions/v-1', { key })).json());
    expect([one.session.entry_page, one.session.exit_page]).toEqual(['/blog', '/app/#/settings']);
    // What the Stats API's visit:entry_page and visit:exit_page match is what the visit says its pages are.
    const day = new Date(BASE).toISOString().slice(0, 10);
    const visits = await statsResults(server, key, projectId, {
      metrics: ['visits'],
      date_range: [day, day],
      filters: [
        ['is', 'visit:entry_page', ['/blog']],
        ['is', 'visit:exit_page', ['/app/#/settings']],
      ],
    });
    expect(visits).toEqual([{ dimensions: [], metrics: [1] }]);
  });
});

describe('one session', () => {
  const path = `/v1/sessions/${encodeURIComponent(SPECIAL)}`;

  test('its timeline, oldest first, page by page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let first: ReturnType<typeof SessionDetail.parse> | undefined;
    do {
      const response = await server.get(`${path}?limit=5${cursor ? `&cursor=${cursor}` : ''}`, {
        key: t.readKeyA,
      });
      expect(response.status).toBe(200);
      const body = SessionDetail.parse(await response.json());
      first ??= body;
      expect(body.session.session_id).toBe(SPECIAL);
      seen.push(...body.timeline.items.map((e) => e.event_id));
      cursor = body.timeline.next_cursor;
    } while (cursor);
    const expected = timeline
      .map((id, i) => ({ id, ts: Math.floor(i / 2) }))
      .sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1))
      .map((e) => e.id);
    expect(seen).toEqual(expected);
    expect(first!.timeline.items[0]!.timestamp <= first!.timeline.items[4]!.timestamp).toBe(true);
  });

  test('default timeline page is 100, at most 200', async () => {
    const body = SessionDetail.parse(await (await server.get(path, { key: t.readKeyA })).json());
    expect(body.timeline.items).toHaveLength(12);
    expect(body.timeline.next_cursor).toBeNull();
    // Timeline items are the explorer's: each with its page as the reports name it.
    expect(body.timeline.items.map((e) => e.page).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `/app/#/step/${i}`).sort(),
    );
    expect((await server.get(`${path}?limit=201`, { key: t.readKeyA })).status).toBe(400);
  });

  test("another project's session is a 404, even with the same id", async () => {
    expect((await server.get('/v1/sessions/sess-04', { key: t.readKeyB })).status).toBe(200);
    expect((await server.get(`/v1/sessions/nope`, { key: t.readKeyA })).status).toBe(404);
    const onlyB = await server.get(`/v1/sessions/${encodeURIComponent(SPECIAL)}`, { key: t.readKeyB });
    expect(onlyB.status).toBe(404);
    const viaSession = await server.get(`${path}?project_id=${t.projectB}`, { cookie: sessionCookie() });
    expect(viaSession.status).toBe(404);
  });

  test("a same-named session in B does not leak B's events into A's timeline", async () => {
    const body = SessionDetail.parse(
      await (await server.get(`${path}?limit=200`, { key: t.readKeyA })).json(),
    );
    expect(body.timeline.items.map((e) => e.event_id).sort()).toEqual([...timeline].sort());
  });
});
