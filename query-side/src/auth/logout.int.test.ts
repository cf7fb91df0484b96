/**
 * Logging out logs out, on both APIs (real Kafka, registry and PostgreSQL): the command side
 * records the login and the logout in the admin log, the admin projection writes
 * `console_sessions`, and the query side refuses the revoked session. A cookie copied before the
 * logout gets a 401 from a query route and from an admin command within 2 s.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '@eventlens/stack/eventually';
import { CSRF_HEADER, SESSION_COOKIE } from '@eventlens/contracts';
import {
  adminClient,
  startCommandSide,
  testConfig,
  type RunningCommandSide,
} from '@eventlens/command-side/test-support';
import { createTestEnv, startInProcess, type InProcess, type TestEnv } from '@eventlens/projections/testing';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { startServer, TEST_SECRET, type TestServer } from '../test-support/server';

let tdb: TestDatabase;
let env: TestEnv;
let workers: InProcess;
let command: RunningCommandSide;
let query: TestServer;
const user = { email: `logout.${Date.now()}@example.test`, password: 'correct horse battery' };

beforeAll(async () => {
  tdb = await createTestDatabase();
  // The admin projection writes this test's database, in the schema the query side reads.
  env = await createTestEnv({
    databaseUrl: tdb.ownerUrl,
    env: { EVENTLENS_SCHEMA_PREFIX: '', EVENTLENS_READER_DATABASE_URL: tdb.readerUrl },
  });
  workers = await startInProcess(env, ['admin']);
  command = await startCommandSide(
    testConfig(
      { brokers: env.config.kafkaBrokers, registryUrl: env.config.registryUrl },
      { events: env.topology.projections.analytics.source, admin: env.topology.projections.admin.source },
      { sessionSecret: TEST_SECRET },
    ),
  );
  query = await startServer(tdb.readerUrl);
  const registered = await adminClient(command.url).call('POST', '/v1/admin/users', user);
  expect(registered.status).toBe(201);
}, 120_000);

afterAll(async () => {
  expect(query?.errors ?? []).toEqual([]);
  await query?.close();
  await command?.stop();
  await workers?.stop();
  await env?.cleanup();
  await tdb?.drop();
});

const post = (path: string, cookie: string, body?: unknown) =>
  fetch(`${command.url}${path}`, {
    method: 'POST',
    headers: {
      [CSRF_HEADER]: '1',
      ...(cookie ? { cookie } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('logout', () => {
  test('a cookie copied before logout is refused by a query route and an admin command within 2 s', async () => {
    const login = await post('/v1/auth/login', '', user);
    expect(login.status).toBe(200);
    const copied = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(copied.startsWith(`${SESSION_COOKIE}=`)).toBe(true);

    const projects = () => query.get('/v1/projects', { cookie: copied }).then((r) => r.status);
    const createProject = () =>
      post('/v1/admin/projects', copied, { name: 'before logout' }).then((r) => r.status);
    expect(await projects()).toBe(200);
    expect(await createProject()).toBe(201);

    // Once projected, the session is listed as the current one.
    await eventually(
      'the session listed as the current one',
      async () => {
        const response = await query.get('/v1/auth/sessions', { cookie: copied });
        const body = (await response.json()) as { items: Array<{ current: boolean }> };
        return body.items.some((s) => s.current);
      },
      { timeoutMs: 10_000, intervalMs: 25 },
    );

    const logout = await post('/v1/auth/logout', copied);
    expect(logout.status).toBe(204);
    const loggedOutAt = performance.now();
    /** Milliseconds from the logout until `refused` holds (reported, the bound is the timeout). */
    const refusedAfter = async (what: string, refused: () => Promise<boolean>) => {
      await eventually(what, refused, { timeoutMs: 2000, intervalMs: 25 });
      return Math.round(performance.now() - loggedOutAt);
    };
    const [queryMs, commandMs] = await Promise.all([
      refusedAfter('a query route refusing the copied cookie', async () => (await projects()) === 401),
      refusedAfter(
        'an admin command refusing the copied cookie',
        async () => (await createProject()) === 401,
      ),
    ]);
    console.log(`copied cookie refused after logout: query side ${queryMs} ms, command side ${commandMs} ms`);
    expect((await query.get('/v1/auth/me', { cookie: copied })).status).toBe(401);
  });
});
