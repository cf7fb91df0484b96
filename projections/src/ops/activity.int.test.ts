/**
 * Given events with known received times, when the analytics workers apply them (with a fixed
 * clock, so every freshness is known), then ops.projection_throughput counts the rows applied and
 * ops.projection_freshness holds exactly their histogram — also when a batch's transaction fails
 * after its activity was written and the batch is applied again. Old minutes are pruned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ident } from '../db';
import {
  caughtUp,
  createTestEnv,
  makeEvent,
  produceEvents,
  startInProcess,
  type InProcess,
  type TestEnv,
} from '../testing/fixture';
import { freshnessHistogram, minuteOf, type FreshnessBucket } from '@eventlens/read-model';
import { pruneActivity } from './activity';

/** The workers' fixed clock: half a minute into a minute ten minutes ago (inside the retention). */
const MINUTE = new Date(minuteOf(Date.now()) - 10 * 60_000);
const NOW = MINUTE.getTime() + 30_000;

describe('throughput and freshness in ops (real Kafka, registry, PostgreSQL)', () => {
  let env: TestEnv;
  let workers: InProcess;

  beforeAll(async () => {
    env = await createTestEnv();
    workers = await startInProcess(env, ['analytics'], { clock: () => NOW });
  });
  afterAll(async () => {
    await workers?.stop();
    await env?.cleanup();
  });

  async function activity(): Promise<{ applied: number; histogram: FreshnessBucket[] }> {
    const ops = ident(env.topology.ops.schema);
    const throughput = await env.pool.query<{ minute: Date; applied: string }>(
      `select minute, applied from ${ops}.projection_throughput where projection = 'analytics'`,
    );
    const freshness = await env.pool.query<{ minute: Date; bucket: number; value_ms: number; count: string }>(
      `select minute, bucket, value_ms, count from ${ops}.projection_freshness
        where projection = 'analytics' order by bucket`,
    );
    for (const row of [...throughput.rows, ...freshness.rows]) expect(row.minute).toEqual(MINUTE);
    return {
      applied: throughput.rows.reduce((sum, r) => sum + Number(r.applied), 0),
      histogram: freshness.rows.map((r) => ({
        bucket: r.bucket,
        value_ms: r.value_ms,
        count: Number(r.count),
      })),
    };
  }

  it('counts the rows applied and keeps their freshness histogram, duplicates measured but not counted', async () => {
    const { schema, source } = env.topology.projections.analytics;
    // Given events received 3 ms to about 2 minutes before the workers' clock, and client retries of some
    const events = Array.from({ length: 300 }, (_, i) =>
      makeEvent({ received_at: NOW - (3 + ((i * 7919) % 120_000)), session_id: `s${i % 13}` }),
    );
    const retries = events.slice(0, 25).map((e) => ({ ...e, received_at: e.received_at + 1000 }));
    // When they are applied
    await produceEvents(env, [...events, ...retries]);
    await caughtUp(env, schema, source);
    // Then the minute holds 300 applied rows and the freshness of all 325
    const expected = freshnessHistogram(
      [...events, ...retries].map((e) => e.received_at),
      NOW,
    );
    const got = await activity();
    expect(got.applied).toBe(300);
    expect(got.histogram).toEqual(expected);
  });

  it('a batch whose transaction fails after writing its activity counts once when applied again', async () => {
    const { schema, source } = env.topology.projections.analytics;
    const before = await activity();
    // Given the next checkpoint update fails once (a transient error, SQLSTATE 40001), after the
    // batch's rows and activity were written in its transaction
    const s = ident(schema);
    await env.pool.query(`
      create sequence ${s}.fail_once;
      create function ${s}.fail_once() returns trigger language plpgsql as $$
      begin
        if nextval('${schema.replaceAll("'", "''")}.fail_once') = 1 then
          raise exception 'injected failure' using errcode = '40001';
        end if;
        return new;
      end $$;
      create trigger fail_once before update on ${s}.checkpoints
        for each row execute function ${s}.fail_once();`);
    // When more events arrive
    const events = Array.from({ length: 40 }, (_, i) => makeEvent({ received_at: NOW - 250 * (i + 1) }));
    await produceEvents(env, events);
    await caughtUp(env, schema, source);
    // Then the failure happened, and each event is counted and measured once
    const fired = await env.pool.query<{ last_value: string }>(`select last_value from ${s}.fail_once`);
    expect(Number(fired.rows[0]!.last_value)).toBeGreaterThan(1);
    const transient = (await workers.metrics.transientErrors.get()).values.filter(
      (v) => v.labels.code === 'DB_40001',
    );
    expect(transient.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThanOrEqual(1);
    const after = await activity();
    expect(after.applied).toBe(before.applied + 40);
    const added = freshnessHistogram(
      events.map((e) => e.received_at),
      NOW,
    );
    const counts = new Map(before.histogram.map((b) => [b.bucket, b.count]));
    for (const b of added) counts.set(b.bucket, (counts.get(b.bucket) ?? 0) + b.count);
    expect(after.histogram.map((b) => [b.bucket, b.count])).toEqual(
      [...counts.entries()].sort(([a], [b]) => a - b),
    );
  });

  it('prunes the minutes older than the retention, and the query side’s role can read them', async () => {
    const ops = ident(env.topology.ops.schema);
    await env.pool.query(
      `insert into ${ops}.projection_throughput (minute, projection, applied)
       values (date_trunc('minute', now()) - interval '25 hours', 'old', 5),
              (date_trunc('minute', now()), 'recent', 7)`,
    );
    await env.pool.query(
      `insert into ${ops}.projection_freshness (minute, projection, bucket, value_ms, count)
       values (date_trunc('minute', now()) - interval '25 hours', 'old', 3, 1.1, 2),
              (date_trunc('minute', now()), 'recent', 3, 1.1, 4)`,
    );
    expect(await pruneActivity(env.pool, env.topology.ops.schema)).toBe(2);
    const reader = new pg.Client({ connectionString: env.readerUrl });
    await reader.connect();
    try {
      const left = await reader.query<{ projection: string }>(
        `select projection from ${ops}.projection_throughput
          union all select projection from ${ops}.projection_freshness`,
      );
      expect(new Set(left.rows.map((r) => r.projection))).toEqual(new Set(['analytics', 'recent']));
    } finally {
      await reader.end();
    }
  });
});
