import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from '../db';
import { createMetrics } from '../metrics';
import { expectedReadModels, readModels } from '../testing/expected';
import {
  caughtUp,
  count,
  createTestEnv,
  produceEvents,
  startInProcess,
  type InProcess,
  type TestEnv,
} from '../testing/fixture';
import { generateTraffic } from '../testing/traffic';
import { rebuild, RebuildError } from './rebuild';

describe('rebuild <projection> (real Kafka, registry, PostgreSQL)', () => {
  let env: TestEnv;
  let live: InProcess;

  beforeAll(async () => {
    env = await createTestEnv();
    live = await startInProcess(env, ['analytics', 'ops']);
  });
  afterAll(async () => {
    await live?.stop();
    await env?.cleanup();
  });

  it('replays the log into a fresh schema and swaps it in while the old one keeps serving', async () => {
    const { schema, source } = env.topology.projections.analytics;
    const a = generateTraffic({ projects: 2, sessionsPerProject: 20, eventsPerSession: 20, seed: 11 });
    await produceEvents(env, a);
    await caughtUp(env, schema, source);
    // Vandalise the live schema: the rebuild must not copy anything from it.
    await env.pool.query(`update ${ident(schema)}.event_names set count = count + 1000`);

    // Readers (the query side's role) keep querying the live schema throughout.
    const reader = new pg.Client({ connectionString: env.readerUrl });
    await reader.connect();
    let reads = 0;
    const readerErrors: string[] = [];
    let reading = true;
    const readLoop = (async () => {
      while (reading) {
        try {
          await reader.query(`select count(*) from ${ident(schema)}.events`);
          await reader.query(`select * from ${ident(schema)}.sessions order by last_seen desc limit 20`);
          reads++;
        } catch (error) {
          readerErrors.push((error as Error).message);
        }
        // The pace of the readers' load, not a wait for a condition: it reads until the test says stop.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const b = generateTraffic({ projects: 2, sessionsPerProject: 10, eventsPerSession: 20, seed: 12 });
    const repositionsBefore = await repositions(live);
    const result = await rebuild({
      config: env.config,
      topology: env.topology,
      projection: 'analytics',
      pool: env.pool,
      kafka: env.kafka,
      producer: env.producer,
      codec: env.codec,
      metrics: createMetrics(),
      logger: env.logger,
      pollMs: 100,
      timeoutMs: 60_000,
      // Between the end of the replay and the swap the live worker moves on: after the swap its
      // position is ahead of the rebuilt checkpoints, and it must seek back to them.
      beforeSwap: async () => {
        await produceEvents(env, b);
        await caughtUp(env, schema, source);
      },
    });
    expect(result.schema).toBe(schema);

    // With no new record to fetch, the live worker notices that the checkpoints moved back under
    // it and re-applies what the rebuilt schema lacks.
    await caughtUp(env, schema, source);
    expect(await readModels(env.pool, schema)).toEqual(expectedReadModels([...a, ...b]));

    // After the swap the live worker keeps applying into the new schema.
    const c = generateTraffic({ projects: 1, sessionsPerProject: 10, eventsPerSession: 10, seed: 13 });
    await produceEvents(env, c);
    await caughtUp(env, schema, source);
    reading = false;
    await readLoop;
    await reader.end();

    expect(readerErrors).toEqual([]);
    expect(reads).toBeGreaterThan(5);
    expect(await repositions(live)).toBeGreaterThan(repositionsBefore);
    expect(await readModels(env.pool, schema)).toEqual(expectedReadModels([...a, ...b, ...c]));

    // The live worker applied b again after the swap (it had applied it before), and counted it in ops
    // once: the Pipeline's throughput and the Contracts' records seen equal what is in the read model
    // and on the log (they were b's records over).
    const ops = ident(env.topology.ops.schema);
    expect(
      await count(
        env.pool,
        `select sum(applied) as n from ${ops}.projection_throughput where projection = 'analytics'`,
      ),
    ).toBe(await count(env.pool, `select count(*) as n from ${ident(schema)}.events`));
    expect(
      await count(
        env.pool,
        `select sum(records) as n from ${ops}.schema_versions_seen where projection = 'analytics'`,
      ),
    ).toBe(a.length + b.length + c.length);

    // The old schema is gone, the new one is readable by the query side, and the retry topics'
    // checkpoints travelled with it.
    expect(
      await count(env.pool, `select count(*) as n from pg_namespace where nspname in ($1, $2)`, [
        `${schema}_old`,
        `${schema}_rebuild`,
      ]),
    ).toBe(0);
    const checker = new pg.Client({ connectionString: env.readerUrl });
    await checker.connect();
    try {
      expect(await count(checker, `select count(*) as n from ${ident(schema)}.events`)).toBe(
        a.length + b.length + c.length,
      );
    } finally {
      await checker.end();
    }
    expect(
      await count(
        env.pool,
        `select count(*) as n from ${ident(schema)}.checkpoints where topic = any($1::text[])`,
        [env.topology.projections.analytics.retry],
      ),
    ).toBe(env.topology.projections.analytics.retry.length);
  });

  it('refuses to run twice at once', async () => {
    const holder = await env.pool.connect();
    try {
      await holder.query('select pg_advisory_lock(hashtext($1))', [
        `eventlens.rebuild:${env.topology.projections.analytics.schema}`,
      ]);
      await expect(
        rebuild({
          config: env.config,
          topology: env.topology,
          projection: 'analytics',
          pool: env.pool,
          kafka: env.kafka,
          producer: env.producer,
          codec: env.codec,
          metrics: createMetrics(),
          logger: env.logger,
        }),
      ).rejects.toBeInstanceOf(RebuildError);
    } finally {
      await holder.query('select pg_advisory_unlock_all()');
      holder.release();
    }
  });
});

async function repositions(workers: InProcess): Promise<number> {
  const metric = await workers.metrics.repositions.get();
  return metric.values.filter((v) => v.labels.worker === 'analytics').reduce((sum, v) => sum + v.value, 0);
}
