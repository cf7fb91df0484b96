/**
 * Given a few hundred events in two projects, when the explorer pages through them with and without
 * filters, then every row of the caller's project comes exactly once, latest first, and nothing of
 * the other project ever does.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { insertEvents, seedTenants, type EventFixture, type Tenants } from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';
import { sessionCookie } from '../test-support/session';
import { EventsPage } from './events';

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
        message: 'limit: Too big: expected number to be <=200',
        fields: [{ field: 'limit', message: 'Too big: expected number to be <=200' }],
      },
    });
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
      referrer: 'https://ref.example/',
      timestamp: e.ts.toISOString(),
      received_at: new Date(e.ts.getTime() + 1500).toISOString(),
      metadata: { i: 5, nested: { ok: true } },
      context: { locale: 'en' },
    });
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
