import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@eventlens/stack/eventually';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createApp } from '../app';
import { ident } from '../db';
import { expectedReadModels, readModels } from '../testing/expected';
import {
  caughtUp,
  count,
  createTestEnv,
  makeEvent,
  produceEvents,
  startInProcess,
  type InProcess,
  type TestEnv,
} from '../testing/fixture';
import { generateTraffic, shuffle } from '../testing/traffic';

describe('analytics and admin projections (real Kafka, registry, PostgreSQL)', () => {
  let env: TestEnv;
  let workers: InProcess;

  beforeAll(async () => {
    env = await createTestEnv();
    workers = await startInProcess(env);
  });
  afterAll(async () => {
    await workers?.stop();
    await env?.cleanup();
  });

  it('projects every read model exactly, across batches, out of order, counting duplicates once', async () => {
    const { schema, source } = env.topology.projections.analytics;
    const traffic = generateTraffic({ projects: 3, sessionsPerProject: 12, eventsPerSession: 15, seed: 7 });
    const half = Math.floor(traffic.length / 2);

    // Given the first half of the traffic, applied
    await produceEvents(env, traffic.slice(0, half));
    await caughtUp(env, schema, source);

    // When the rest arrives later — mixed with client retries of events already counted, in
    // this batch and in the earlier ones — and sessions continue with earlier timestamps
    const retries = [...traffic.slice(0, 40), ...traffic.slice(half, half + 25)];
    const early = traffic.slice(0, 10).map((e) =>
      makeEvent({
        ...e,
        event_id: crypto.randomUUID(),
        timestamp: e.timestamp - 3_600_000,
        url: 'https://shop.example/early',
      }),
    );
    const produced = [...traffic, ...retries, ...early];
    await produceEvents(env, shuffle([...traffic.slice(half), ...retries, ...early]));
    await caughtUp(env, schema, source);

    // Then every read model matches the log, each event counted once
    const expected = expectedReadModels(produced);
    const actual = await readModels(env.pool, schema);
    expect(actual.events).toHaveLength(traffic.length + early.length);
    expect(actual.events).toEqual(expected.events);
    expect(actual.volume).toEqual(expected.volume);
    expect(actual.sessions).toEqual(expected.sessions);
    expect(actual.pages).toEqual(expected.pages);
    expect(actual.dailyUsers).toEqual(expected.dailyUsers);
    expect(actual.names).toEqual(expected.names);

    const applied = await workers.metrics.records.get();
    const by = (result: string) =>
      applied.values.filter((v) => v.labels.result === result).reduce((sum, v) => sum + v.value, 0);
    expect(by('applied')).toBe(traffic.length + early.length);
    expect(by('duplicate')).toBe(retries.length);
  });

  it('keeps ops.projection_status current for the query side', async () => {
    const { source } = env.topology.projections.analytics;
    const ops = ident(env.topology.ops.schema);
    const offsets = await env.admin.fetchTopicOffsets(source);
    const { rows } = await env.pool.query<{ partition: number; next_offset: string; high_watermark: string }>(
      `select partition, next_offset, high_watermark, last_processed_at from ${ops}.projection_status
        where projection = 'analytics' and topic = $1 order by partition`,
      [source],
    );
    expect(rows.map((r) => [r.partition, Number(r.next_offset), Number(r.high_watermark)])).toEqual(
      offsets
        .sort((a, b) => a.partition - b.partition)
        .map((o) => [o.partition, Number(o.high), Number(o.high)]),
    );
  });

  it('lets the read-only role of the query side read every table, and nothing more', async () => {
    const reader = new pg.Client({ connectionString: env.readerUrl });
    await reader.connect();
    try {
      const analytics = ident(env.topology.projections.analytics.schema);
      const ops = ident(env.topology.ops.schema);
      expect(await count(reader, `select count(*) as n from ${analytics}.checkpoints`)).toBeGreaterThan(0);
      expect(await count(reader, `select count(*) as n from ${ops}.projection_status`)).toBeGreaterThan(0);
      expect(await count(reader, `select count(*) as n from ${ops}.dlq_records`)).toBe(0);
      expect(
        await count(
          reader,
          `select count(*) as n from ${ident(env.topology.projections.analytics.schema)}.sessions`,
        ),
      ).toBeGreaterThan(0);
      await expect(
        reader.query(`delete from ${ident(env.topology.projections.analytics.schema)}.events`),
      ).rejects.toThrow(/permission denied/);
    } finally {
      await reader.end();
    }
  });

  it('projects the admin stream: projects, keys (with revocations) and users, idempotently', async () => {
    const { schema, source } = env.topology.projections.admin;
    const s = ident(schema);
    const project = randomUUID();
    const key = randomUUID();
    const user = randomUUID();
    const at = Date.UTC(2026, 4, 1);
    const records = [
      env.codec.encode('ProjectCreated', {
        project_id: project,
        name: 'Shop',
        created_at: at,
        created_by: null,
      }),
      env.codec.encode('ApiKeyIssued', {
        key_id: key,
        project_id: project,
        kind: 'write',
        name: 'site',
        key_hash: 'cd'.repeat(32),
        key_prefix: 'el_cd',
        issued_at: at,
      }),
      env.codec.encode('UserRegistered', {
        user_id: user,
        email: 'ada@example.com',
        name: 'Ada',
        password_hash: 'scrypt$x',
        registered_at: at,
      }),
      env.codec.encode('ApiKeyRevoked', { key_id: key, project_id: project, revoked_at: at + 1000 }),
      // A retried append of the same facts, and a later revocation of an already revoked key
      env.codec.encode('ProjectCreated', {
        project_id: project,
        name: 'Shop (again)',
        created_at: at,
        created_by: null,
      }),
      env.codec.encode('ApiKeyRevoked', { key_id: key, project_id: project, revoked_at: at + 9000 }),
      // Another user with the same email: refused by PostgreSQL, on its way to the DLQ
      env.codec.encode('UserRegistered', {
        user_id: randomUUID(),
        email: 'ada@example.com',
        name: null,
        password_hash: 'scrypt$y',
        registered_at: at,
      }),
    ];
    await env.producer.send({
      topic: source,
      acks: -1,
      messages: records.map((value) => ({ key: project, value })),
    });
    await caughtUp(env, schema, source);

    const projects = await env.pool.query(
      `select project_id::text, name from ${s}.projects where project_id = $1`,
      [project],
    );
    expect(projects.rows).toEqual([{ project_id: project, name: 'Shop' }]);
    const keys = await env.pool.query(
      `select key_id::text, kind, (extract(epoch from revoked_at) * 1000)::float8 as revoked_at
         from ${s}.api_keys where project_id = $1`,
      [project],
    );
    expect(keys.rows).toEqual([{ key_id: key, kind: 'write', revoked_at: at + 1000 }]);
    const users = await env.pool.query(
      `select user_id::text, name from ${s}.users where email = 'ada@example.com'`,
    );
    expect(users.rows).toEqual([{ user_id: user, name: 'Ada' }]);
    await eventually(
      'the duplicate user in the DLQ as DB_23505',
      async () =>
        (await count(
          env.pool,
          `select count(*) as n from ${ident(env.topology.ops.schema)}.dlq_records
            where projection = 'admin' and error_code = 'DB_23505'`,
        )) === 1,
      { timeoutMs: 30_000 },
    );
  });

  it('serves /healthz, /readyz and /metrics (lag per partition, batch sizes, apply latency, failures, freshness, event stages, queue depths)', async () => {
    await workers.service.refresher!.refresh();
    const app = createApp({
      registry: workers.metrics.registry,
      checks: {
        postgres: async () => void (await workers.pool.query('select 1')),
        kafka: async () => void (await env.admin.describeCluster()),
      },
    });
    const server = app.listen(0);
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: { postgres: { ok: true, detail: 'ok' }, kafka: { ok: true, detail: 'ok' } },
      });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      for (const name of [
        'eventlens_projection_consumer_lag{worker="analytics"',
        'eventlens_projection_batch_size_bucket',
        'eventlens_projection_batch_apply_seconds_bucket',
        'eventlens_projection_records_total{worker="analytics",result="applied"}',
        'eventlens_projection_failures_total{projection="admin",stage="retry"}',
        'eventlens_registry_cache_hits_total{lookup="writer_schema"}',
      ]) {
        expect(metrics).toContain(name);
      }
      const value = (series: string) => {
        const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
        return Number(line?.slice(series.length + 1) ?? 'NaN');
      };
      // Applied events have freshness samples (these events' received_at lies in the past).
      expect(value('eventlens_projection_freshness_seconds_count{projection="analytics"}')).toBeGreaterThan(
        0,
      );
      expect(value('eventlens_projection_freshness_seconds_sum{projection="analytics"}')).toBeGreaterThan(0);
      // The same rows passed the fetched and committed stages; committed is freshness's quantity.
      const stage = (name: string, suffix: string) =>
        value(`eventlens_event_stage_seconds_${suffix}{stage="${name}",projection="analytics"}`);
      const fresh = value('eventlens_projection_freshness_seconds_count{projection="analytics"}');
      expect(stage('fetched', 'count')).toBe(fresh);
      expect(stage('committed', 'count')).toBe(fresh);
      expect(stage('committed', 'sum')).toBeCloseTo(
        value('eventlens_projection_freshness_seconds_sum{projection="analytics"}'),
        6,
      );
      expect(stage('fetched', 'sum')).toBeGreaterThan(0);
      expect(stage('fetched', 'sum')).toBeLessThanOrEqual(stage('committed', 'sum'));
      // The admin projection knows no received time: no stages.
      expect(metrics).not.toContain(
        'eventlens_event_stage_seconds_count{stage="fetched",projection="admin"}',
      );
      // The admin record refused by PostgreSQL above sits in the admin DLQ, not replayed.
      expect(value('eventlens_projection_dlq_depth{projection="admin"}')).toBeGreaterThanOrEqual(1);
      // The refresher sets every partition's lag, also of retry topics no batch came from yet.
      expect(metrics).toContain(
        `eventlens_projection_consumer_lag{worker="analytics.retry",topic="${env.topology.projections.analytics.retry[0]}",partition="0"} 0`,
      );
      for (const topic of env.topology.projections.analytics.retry) {
        expect(
          value(`eventlens_projection_retry_depth{projection="analytics",topic="${topic}"}`),
        ).toBeGreaterThanOrEqual(0);
      }
      const missing = await fetch(`${base}/events`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    } finally {
      server.close();
    }
  });
});
