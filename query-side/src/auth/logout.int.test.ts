/**
 * Logging out logs out, on both APIs (real Kafka, registry and PostgreSQL): the command side
 * records the login and the logout in the admin log, the admin projection writes
 * `console_sessions`, and the query side refuses the revoked session. A cookie copied before the
 * logout gets a 401 from a query route and from an admin command within 2 s.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
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

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

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
    await eventually(async () => {
      const response = await query.get('/v1/auth/sessions', { cookie: copied });
      const body = (await response.json()) as { items: Array<{ current: boolean }> };
      return body.items.some((s) => s.current);
    }, 10_000);

    const logout = await post('/v1/auth/logout', copied);
    expect(logout.status).toBe(204);
    const [queryMs, commandMs] = await Promise.all([
      eventually(async () => (await projects()) === 401, 2000),
      eventually(async () => (await createProject()) === 401, 2000),
    ]);
    console.log(`copied cookie refused after logout: query side ${queryMs} ms, command side ${commandMs} ms`);
    expect((await query.get('/v1/auth/me', { cookie: copied })).status).toBe(401);
  });
});
