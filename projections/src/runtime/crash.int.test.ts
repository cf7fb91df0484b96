import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@eventlens/stack/eventually';
import { ident } from '../db';
import { expectedReadModels, readModels } from '../testing/expected';
import {
  caughtUp,
  count,
  createTestEnv,
  killSpawned,
  spawnWorker,
  startLoad,
  type TestEnv,
} from '../testing/fixture';

/** A random moment to die at: the scenario, not a wait for a condition. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('kill -9 mid-batch under load (worker processes, real Kafka and PostgreSQL)', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    await killSpawned();
    await env?.cleanup();
  });

  it('loses nothing and counts nothing twice, whatever moment the worker dies at', async () => {
    const { schema, source } = env.topology.projections.analytics;
    const applied = () =>
      count(
        env.pool,
        `select coalesce(sum(next_offset), 0) as n from ${ident(schema)}.checkpoints where topic = $1`,
        [source],
      ).catch(() => 0);
    /** A batch transaction of a worker process is open right now. */
    const inTransaction = () =>
      count(
        env.pool,
        `select count(*) as n from pg_stat_activity
          where application_name = 'eventlens-projections-all' and state in ('active', 'idle in transaction')
            and backend_xid is not null and query like $1`,
        [`%${schema}%`],
      );

    const load = startLoad(env, { perTick: 150, tickMs: 50 });
    let worker = spawnWorker(env);
    let killedInTransaction = 0;
    let produced;
    try {
      for (let kill = 0; kill < 4; kill++) {
        // Each life applies something (it joined, sought to the checkpoints and committed)…
        const before = await applied();
        await eventually('the worker applying a batch', async () => (await applied()) > before, {
          timeoutMs: 90_000,
          intervalMs: 50,
        });
        await sleep(Math.random() * 1500);
        // …and dies, preferably with a batch transaction open (waited for up to 2 s, else it dies anyway).
        await eventually('a batch transaction open', async () => (await inTransaction()) > 0, {
          timeoutMs: 2000,
          intervalMs: 2,
        }).catch(() => undefined);
        if ((await inTransaction()) > 0) killedInTransaction++;
        await worker.kill('SIGKILL');
        worker = spawnWorker(env);
      }
    } finally {
      produced = await load.stop();
    }
    try {
      await caughtUp(env, schema, source, 90_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- worker output ---\n${worker.output()}`);
    }
    await worker.kill('SIGTERM');

    expect(killedInTransaction).toBeGreaterThanOrEqual(2);
    expect(produced.length).toBeGreaterThan(5000);
    const expected = expectedReadModels(produced);
    const actual = await readModels(env.pool, schema);
    expect(actual.events.length).toBe(expected.events.length);
    expect(actual.names).toEqual(expected.names);
    expect(actual.volume).toEqual(expected.volume);
    expect(actual.sessions).toEqual(expected.sessions);
    expect(actual.pages).toEqual(expected.pages);
    expect(actual.dailyUsers).toEqual(expected.dailyUsers);
    expect(actual.events).toEqual(expected.events);
  });
});
