/**
 * EVENTLENS_SCHEMA_PREFIX: with the read models migrated under a prefix (`p_analytics`, …) and no
 * unprefixed schemas at all, a query side given the same prefix answers every data route from the
 * prefixed tables — a table named without the prefix anywhere would fail its route — and one given
 * no prefix finds none of them.
 */
import { randomUUID } from 'node:crypto';
import { readerTables } from '@eventlens/read-model';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from './test-support/database';
import { startServer, type TestServer } from './test-support/server';
import { sessionCookie } from './test-support/session';
import { generateApiKey, hashApiKey } from '@eventlens/contracts';

const PREFIX = 'p_';
const tables = readerTables(PREFIX);
let tdb: TestDatabase;
let server: TestServer;
let unprefixed: TestServer;
const project = randomUUID();
const eventId = randomUUID();
const readKey = generateApiKey('read');
const user = { user_id: randomUUID(), email: 'prefixed@example.test' };
const hour = new Date(Date.now() - 3600_000 - (Date.now() % 3600_000));

beforeAll(async () => {
  tdb = await createTestDatabase({ schemaPrefix: PREFIX });
  const q = (sql: string, values: unknown[] = []) => tdb.owner.query(sql, values);
  await q(`insert into ${tables.projects} values ($1, 'Prefixed project', now(), 'fixture')`, [project]);
  await q(
    `insert into ${tables.apiKeys} (key_id, project_id, kind, name, key_hash, key_prefix, issued_at)
     values ($1, $2, 'read', 'reader', $3, $4, now())`,
    [randomUUID(), project, hashApiKey(readKey), readKey.slice(0, 10)],
  );
  await q(
    `insert into ${tables.events} (project_id, event_id, event_name, session_id, ts, received_at, url)
     values ($1, $2, 'page_view', 's1', $3, $3, 'https://p.example/a')`,
    [project, eventId, hour],
  );
  await q(`insert into ${tables.volumeMinute} values ($1, $2, 'page_view', 1)`, [project, hour]);
  await q(`insert into ${tables.pageViewsHour} values ($1, $2, '/a', 1)`, [project, hour]);
  await q(`insert into ${tables.dailyUsers} values ($1, current_date, 'u1')`, [project]);
  await q(`insert into ${tables.eventNames} values ($1, 'page_view', 1, $2)`, [project, hour]);
  await q(
    `insert into ${tables.sessions} (project_id, session_id, first_seen, last_seen, event_count, page_views)
     values ($1, 's1', $2, $2, 1, 1)`,
    [project, hour],
  );
  await q(
    `insert into ${tables.consoleSessions} (session_id, user_id, started_at, expires_at)
     values ($1, $2, now(), now() + interval '1 hour')`,
    [randomUUID(), user.user_id],
  );
  await q(
    `insert into ${tables.dlqRecords} (projection, dlq_partition, dlq_offset, project_id, original_topic,
       original_partition, original_offset, error_code, error_message, attempts, failed_at)
     values ('analytics', 0, 1, $1, 'eventlens.events', 0, 1, 'E', 'm', 1, now())`,
    [project],
  );
  await q(
    `insert into ${tables.projectionStatus} values ('analytics', 'eventlens.events', 0, 5, 7, now(), now())`,
  );
  await q(
    `insert into ${tables.contractSubjects} values ('EventTracked', 'dev.eventlens.EventTracked', null, now())`,
  );
  server = await startServer(tdb.readerUrl, { schemaPrefix: PREFIX });
  unprefixed = await startServer(tdb.readerUrl);
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await unprefixed?.close();
  await tdb?.drop();
});

describe('a query side given the prefix', () => {
  test.each([
    ['/v1/projects', 'Prefixed project'],
    ['/v1/events', eventId],
    [`/v1/events/${eventId}`, eventId],
    ['/v1/stats/overview', '"events":1'],
    ['/v1/stats/volume?interval=hour&from=' + (hour.getTime() - 3600_000), '"count":1'],
    ['/v1/stats/top-events', 'page_view'],
    ['/v1/stats/top-pages', '/a'],
    ['/v1/event-names', 'page_view'],
    ['/v1/sessions', 's1'],
    ['/v1/sessions/s1', eventId],
    ['/v1/pipeline', '"lag":2'],
    ['/v1/dlq', 'eventlens.events'],
    ['/v1/contracts', 'dev.eventlens.EventTracked'],
  ])('reads %s from the prefixed schemas', async (path, expected) => {
    const response = await server.get(path, { key: readKey });
    const body = await response.text();
    expect(response.status, body).toBe(200);
    expect(body).toContain(expected);
  });

  test('and console sessions from the prefixed admin schema', async () => {
    const cookie = sessionCookie(user);
    const keys = await server.get(`/v1/projects/${project}/keys`, { cookie });
    expect(keys.status).toBe(200);
    expect(await keys.text()).toContain('reader');
    const sessions = await server.get('/v1/auth/sessions', { cookie });
    expect(sessions.status).toBe(200);
    expect(((await sessions.json()) as { items: unknown[] }).items).toHaveLength(1);
  });
});

test('a query side given no prefix finds no read models there', async () => {
  const response = await unprefixed.get('/v1/projects', { key: readKey });
  expect(response.status).toBe(503);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('READ_MODEL_UNAVAILABLE');
});
