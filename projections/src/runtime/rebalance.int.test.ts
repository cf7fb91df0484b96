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

describe('several worker processes in one group (real Kafka and PostgreSQL)', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv({ eventPartitions: 4 });
  });
  afterAll(async () => {
    await killSpawned();
    await env?.cleanup();
  });

  it('share the partitions; adding one and killing one rebalances without loss or double counting', async () => {
    const { schema, source, group } = env.topology.projections.analytics;
    const members = async () => {
      const [described] = (await env.admin.describeGroups([group])).groups;
      return described?.state === 'Stable' ? described.members.length : 0;
    };
    const lastProcessed = async () =>
      (
        await env.pool.query<{ partition: number; at: Date }>(
          `select partition, last_processed_at as at from ${ident(env.topology.ops.schema)}.projection_status
            where projection = 'analytics' and topic = $1`,
          [source],
        )
      ).rows;

    const load = startLoad(env, { perTick: 100, tickMs: 50 });
    let produced;
    const first = spawnWorker(env);
    const second = spawnWorker(env);
    let third;
    try {
      // Given two workers that split the four partitions between them
      await eventually('a stable group of two workers', async () => (await members()) === 2, {
        timeoutMs: 40_000,
      });
      const started = new Date();
      await eventually(
        'all four partitions processing',
        async () => (await lastProcessed()).filter((r) => r.at > started).length === 4,
        { timeoutMs: 30_000 },
      );

      // When a third one joins, and then one of the first two dies without a goodbye
      third = spawnWorker(env);
      await eventually('a stable group of three workers', async () => (await members()) === 3, {
        timeoutMs: 40_000,
      });
      await first.kill('SIGKILL');
      // (its partitions move once its session times out)
      await eventually('a stable group of the two survivors', async () => (await members()) === 2, {
        timeoutMs: 40_000,
      });
      const afterKill = new Date();
      await eventually(
        'all four partitions processing after the kill',
        async () => (await lastProcessed()).filter((r) => r.at > afterKill).length === 4,
        { timeoutMs: 30_000 },
      );
    } finally {
      produced = await load.stop();
    }

    // Then the survivors caught up with the log, and every read model matches it exactly
    await caughtUp(env, schema, source, 60_000);
    await Promise.all([second.kill('SIGTERM'), third?.kill('SIGTERM')]);
    expect(await count(env.pool, `select count(*) as n from ${ident(schema)}.events`)).toBe(
      expectedReadModels(produced).events.length,
    );
    const expected = expectedReadModels(produced);
    const actual = await readModels(env.pool, schema);
    expect(actual.names).toEqual(expected.names);
    expect(actual.volume).toEqual(expected.volume);
    expect(actual.sessions).toEqual(expected.sessions);
    expect(actual.pages).toEqual(expected.pages);
    expect(actual.dailyUsers).toEqual(expected.dailyUsers);
    expect(actual.events).toEqual(expected.events);
  });
});
