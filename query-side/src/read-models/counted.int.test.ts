/**
 * Given a project's events of the kinds the reports treat apart (a person's, a bot's, one from an
 * excluded address range, one marked both ways) and one of another project, when the explorer and
 * the CSV export are asked for `counted=true`, then they list exactly the events the reports count
 * (the person's), with any other filter still applying; without it, or with `counted=false`, every
 * event is listed; and a value other than true/false/1/0 is a 400 naming `counted`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { insertEvents, seedTenants, type Tenants } from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';
import { EventsPage } from './events';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;

const at = (minute: number) => new Date(Date.UTC(2025, 6, 1, 8, minute));
const PERSON_VIEW = 'dddddddd-0000-4000-8000-000000000001';
const BOT_VIEW = 'dddddddd-0000-4000-8000-000000000002';
const EXCLUDED_VIEW = 'dddddddd-0000-4000-8000-000000000003';
const BOTH = 'dddddddd-0000-4000-8000-000000000004';
const PERSON_CLICK = 'dddddddd-0000-4000-8000-000000000005';
const OTHER_PROJECT = 'dddddddd-0000-4000-8000-000000000006';
const RANGE = `from=${at(0).toISOString()}&to=${at(10).toISOString()}`;

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl);
  const event = (event_id: string, minute: number, event_name: string, context: Record<string, string>) => ({
    project_id: t.projectA,
    event_id,
    event_name,
    session_id: 's-counted',
    anonymous_id: 'anon-counted',
    url: 'https://a.example/pricing',
    ts: at(minute),
    context,
  });
  await insertEvents(tdb.owner, [
    event(PERSON_VIEW, 1, 'page_view', { language: 'en' }),
    event(BOT_VIEW, 2, 'page_view', { bot: 'crawler' }),
    event(EXCLUDED_VIEW, 3, 'page_view', { excluded: 'address' }),
    event(BOTH, 4, 'page_view', { bot: 'headless', excluded: 'address' }),
    event(PERSON_CLICK, 5, 'click', {}),
    { ...event(OTHER_PROJECT, 6, 'page_view', {}), project_id: t.projectB },
  ]);
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

/** Every event id of the explorer's pages for `query`, paged by 2. */
async function listed(query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await server.get(`/v1/events?${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
      key: t.readKeyA,
    });
    expect(res.status).toBe(200);
    const page = EventsPage.parse(await res.json());
    ids.push(...page.items.map((e) => e.event_id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

/** The event ids of the CSV export for `query`, in its order. */
async function exported(query: string): Promise<string[]> {
  const res = await server.get(`/v1/events.csv?${query}`, { key: t.readKeyA });
  expect(res.status).toBe(200);
  return (await res.text())
    .split('\r\n')
    .slice(1, -1)
    .map((line) => line.slice(0, 36));
}

const EVERY = [PERSON_CLICK, BOTH, EXCLUDED_VIEW, BOT_VIEW, PERSON_VIEW];

describe('counted: the events the reports count', () => {
  test.each([
    ['absent: every event of the project', '', EVERY],
    ['false', '&counted=false', EVERY],
    ['0', '&counted=0', EVERY],
    ['true: no bot, no excluded address', '&counted=true', [PERSON_CLICK, PERSON_VIEW]],
    ['1', '&counted=1', [PERSON_CLICK, PERSON_VIEW]],
    ['with an event name', '&counted=true&event_name=page_view', [PERSON_VIEW]],
    [
      'with a report filter',
      `&counted=true&filters=${encodeURIComponent(JSON.stringify([['is', 'event:page', ['/pricing']]]))}`,
      [PERSON_CLICK, PERSON_VIEW],
    ],
  ])('%s, in the explorer and the CSV export', async (_name, extra, expected) => {
    expect(await listed(`${RANGE}${extra}`)).toEqual(expected);
    expect(await exported(`${RANGE}${extra}`)).toEqual(expected);
  });

  test('another value is a 400 naming counted', async () => {
    for (const route of ['/v1/events', '/v1/events.csv']) {
      const res = await server.get(`${route}?counted=yes`, { key: t.readKeyA });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; fields?: Array<{ field: string }> } };
      expect(body.error.fields?.map((f) => f.field)).toEqual(['counted']);
    }
  });
});
