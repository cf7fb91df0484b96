/**
 * DLQ replays requested through the admin topic (the console's "Replay" button → command side →
 * DlqReplayRequested): the ops worker re-injects the projection's DLQ records, once per request id.
 */
import type { DlqReplayRequested } from '@eventlens/contracts';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@eventlens/stack/eventually';
import { ident } from '../db';
import {
  caughtUp,
  count,
  createTestEnv,
  startInProcess,
  type InProcess,
  type TestEnv,
} from '../testing/fixture';

describe('DlqReplayRequested in the admin topic (real Kafka, registry, PostgreSQL)', () => {
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

  const project = randomUUID();
  const ops = () => ident(env.topology.ops.schema);
  const adminTopic = () => env.topology.projections.admin.source;

  const append = async (...values: Buffer[]) => {
    await env.producer.send({
      topic: adminTopic(),
      acks: -1,
      messages: values.map((value) => ({ key: project, value })),
    });
  };
  const revocation = (keyId: string) =>
    env.codec.encode('ApiKeyRevoked', {
      key_id: keyId,
      project_id: project,
      revoked_at: Date.UTC(2026, 2, 2),
    });
  const issue = (keyId: string) =>
    env.codec.encode('ApiKeyIssued', {
      key_id: keyId,
      project_id: project,
      kind: 'read',
      name: 'ci',
      key_hash: 'cd'.repeat(32),
      key_prefix: 'elr_cd',
      issued_at: Date.UTC(2026, 2, 1),
    });
  const request = (overrides: Partial<DlqReplayRequested> = {}) =>
    env.codec.encode('DlqReplayRequested', {
      request_id: randomUUID(),
      projection: 'admin',
      requested_at: Date.now(),
      requested_by: 'user-1',
      ...overrides,
    });
  const dlqCount = (where: string) =>
    count(env.pool, `select count(*) as n from ${ops()}.dlq_records where projection = 'admin' and ${where}`);

  const firstKey = randomUUID();
  const secondKey = randomUUID();
  const requestId = randomUUID();

  it('re-injects the DLQ of the projection named in the request; a record whose cause was fixed is applied', async () => {
    const admin = env.topology.projections.admin;
    // A revocation before its key: KEY_NOT_FOUND on every attempt, so it ends in the DLQ.
    await append(revocation(firstKey));
    await eventually('the revocation in the DLQ', async () => (await dlqCount('replayed_at is null')) === 1, {
      timeoutMs: 30_000,
    });
    // The cause is fixed (the key's issue arrives), then someone presses "Replay".
    await append(issue(firstKey));
    await caughtUp(env, admin.schema, admin.source);
    await append(request({ request_id: requestId }));

    await eventually(
      'the replayed revocation applied',
      async () =>
        (await count(
          env.pool,
          `select count(*) as n from ${ident(admin.schema)}.api_keys where key_id = $1 and revoked_at is not null`,
          [firstKey],
        )) === 1,
      { timeoutMs: 30_000 },
    );
    // The retry consumer can apply the re-injected record before the ops batch that produced it
    // commits; the request's row and the records' replayed_at land in that one transaction.
    await eventually(
      'the replay request recorded',
      async () =>
        (await count(
          env.pool,
          `select count(*) as n from ${ops()}.dlq_replay_requests where request_id = $1`,
          [requestId],
        )) === 1,
      { timeoutMs: 30_000 },
    );
    expect(await dlqCount('replayed_at is null')).toBe(0);
    expect(
      (
        await env.pool.query(
          `select projection, requested_by, replayed from ${ops()}.dlq_replay_requests where request_id = $1`,
          [requestId],
        )
      ).rows,
    ).toEqual([{ projection: 'admin', requested_by: 'user-1', replayed: 1 }]);
    // The admin projection ignores the request: it is applied past, never sent to its retries.
    await caughtUp(env, admin.schema, admin.source);
    expect(await dlqCount('true')).toBe(1);
  });

  it('runs each request id once, drops a request it cannot act on, and keeps the admin partition flowing', async () => {
    // A second poison record reaches the DLQ.
    await append(revocation(secondKey));
    await eventually(
      'the second revocation in the DLQ',
      async () => (await dlqCount('replayed_at is null')) === 1,
      { timeoutMs: 30_000 },
    );

    // The same request again (appended twice), and one naming no projection: nothing is replayed.
    await append(request({ request_id: requestId }), request({ projection: 'ops' }));
    await caughtUp(env, env.topology.ops.schema, adminTopic());
    expect(await dlqCount('replayed_at is null')).toBe(1);
    expect(
      await count(env.pool, `select count(*) as n from ${ops()}.dlq_replay_requests where request_id = $1`, [
        requestId,
      ]),
    ).toBe(1);

    // A new request replays it; still poison, it walks the retries back to the DLQ as generation 1.
    await append(request());
    await eventually(
      'the replayed record back in the DLQ as generation 1',
      async () => (await dlqCount('generation = 1')) === 1,
      { timeoutMs: 30_000 },
    );
    expect(await dlqCount('generation = 0 and replayed_at is null')).toBe(0);
    expect(await dlqCount('generation = 1 and replayed_at is null')).toBe(1);
    expect(
      await count(env.pool, `select count(*) as n from ${ops()}.dlq_replay_requests where replayed = 1`),
    ).toBe(2);
  });
});
