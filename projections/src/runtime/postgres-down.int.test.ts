import { stackForTests } from '@eventlens/stack';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@eventlens/stack/eventually';
import { createApp } from '../app';
import { ident } from '../db';
import { expectedReadModels, readModels } from '../testing/expected';
import {
  caughtUp,
  createTestEnv,
  makeEvent,
  produceEvents,
  startInProcess,
  type InProcess,
  type TestEnv,
} from '../testing/fixture';
import { generateTraffic } from '../testing/traffic';

/**
 * PostgreSQL "goes down" without touching the shared server: the workers use a database of their
 * own, which the test closes (ALLOW_CONNECTIONS false + terminating its backends) and reopens.
 */
describe('PostgreSQL unavailable (a dedicated database, closed and reopened)', () => {
  const database = `t_${randomBytes(4).toString('hex')}_db`;
  let superuser: pg.Client;
  let env: TestEnv;
  let workers: InProcess;
  let server: Server;
  let baseUrl: string;

  const setConnections = async (allowed: boolean) => {
    await superuser.query(`alter database ${ident(database)} allow_connections ${allowed}`);
    if (!allowed) {
      await superuser.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
        [database],
      );
    }
  };

  beforeAll(async () => {
    const dev = await stackForTests();
    superuser = new pg.Client({ connectionString: dev.databaseUrl });
    await superuser.connect();
    await superuser.query(`create database ${ident(database)}`);
    const url = new URL(dev.databaseUrl);
    url.pathname = `/${database}`;
    env = await createTestEnv({ databaseUrl: url.toString() });
    workers = await startInProcess(env, ['analytics']);
    const app = createApp({
      registry: workers.metrics.registry,
      checks: { postgres: async () => void (await workers.pool.query('select 1')) },
    });
    server = app.listen(0);
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.close();
    await setConnections(true).catch(() => undefined);
    await workers?.stop();
    await env?.cleanup().catch(() => undefined);
    await superuser?.query(`drop database if exists ${ident(database)} with (force)`);
    await superuser?.end();
  });

  it('pauses the workers, keeps them in their group, and catches up without loss once it is back', async () => {
    const { schema, source } = env.topology.projections.analytics;
    const before = generateTraffic({ projects: 2, sessionsPerProject: 10, eventsPerSession: 10, seed: 1 });
    await produceEvents(env, before);
    await caughtUp(env, schema, source);

    // PostgreSQL goes away while events keep arriving
    await setConnections(false);
    const during = generateTraffic({ projects: 2, sessionsPerProject: 10, eventsPerSession: 10, seed: 2 });
    await produceEvents(env, [...during, ...before.slice(0, 20).map((e) => makeEvent(e))]);

    // The workers notice, pause and back off; readiness says which dependency is missing
    const transient = async () =>
      (await workers.metrics.transientErrors.get()).values.reduce((sum, v) => sum + v.value, 0);
    await eventually('the workers retrying PostgreSQL three times', async () => (await transient()) >= 3, {
      timeoutMs: 20_000,
    });
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: { message: string } }).error.message).toMatch(
      /^not ready: postgres \(/,
    );
    const worker = workers.service.workers.find((w) => w.state().name === 'analytics')!;
    expect(worker.state().failing).toBeGreaterThan(0);
    expect(worker.state().lastError).toMatch(/^DB_|^ECONN|database/);
    // A few seconds of outage: the consumer keeps heartbeating, so it keeps its partitions. The
    // wait is the scenario (an outage that lasts while the workers keep retrying), not a poll.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const [group] = (await env.admin.describeGroups([env.topology.projections.analytics.group])).groups;
    expect(group).toMatchObject({ state: 'Stable', members: [expect.anything()] });
    expect(await transient()).toBeGreaterThan(5);

    // PostgreSQL comes back: the same batches are retried and everything is applied, once
    await setConnections(true);
    await caughtUp(env, schema, source, 60_000);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
    expect(worker.state().failing).toBe(0);

    const expected = expectedReadModels([...before, ...during]);
    const actual = await readModels(env.pool, schema);
    expect(actual).toEqual(expected);
  });
});
