/**
 * Console sessions in the admin read model (real Kafka, registry, PostgreSQL): starts and
 * revocations become one `console_sessions` row per session, whatever order they arrive in, and
 * the first revocation wins.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from '../db';
import { caughtUp, createTestEnv, startInProcess, type InProcess, type TestEnv } from '../testing/fixture';

describe('console_sessions from the admin topic', () => {
  let env: TestEnv;
  let workers: InProcess;

  beforeAll(async () => {
    env = await createTestEnv();
    workers = await startInProcess(env, ['admin']);
  });
  afterAll(async () => {
    await workers?.stop();
    await env?.cleanup();
  });

  const user = randomUUID();
  const append = async (...values: Buffer[]) => {
    await env.producer.send({
      topic: env.topology.projections.admin.source,
      acks: -1,
      messages: values.map((value) => ({ key: user, value })),
    });
    await caughtUp(env, env.topology.projections.admin.schema, env.topology.projections.admin.source);
  };
  const start = (session_id: string, started_at = Date.UTC(2026, 2, 1)) =>
    env.codec.encode('ConsoleSessionStarted', {
      session_id,
      user_id: user,
      started_at,
      expires_at: started_at + 12 * 3600_000,
      user_agent: 'Mozilla/5.0 (test)',
    });
  const revoke = (session_id: string, revoked_at: number, user_id = user) =>
    env.codec.encode('ConsoleSessionRevoked', {
      session_id,
      user_id,
      revoked_at,
      revoked_by: session_id,
    });
  const row = async (sessionId: string) =>
    (
      await env.pool.query<Record<string, unknown>>(
        `select user_id, started_at, expires_at, user_agent, revoked_at, revoked_by
           from ${ident(env.topology.projections.admin.schema)}.console_sessions where session_id = $1`,
        [sessionId],
      )
    ).rows[0];

  it('records a start, then its first revocation; a repeated or foreign revocation changes nothing', async () => {
    const sid = randomUUID();
    await append(start(sid));
    expect(await row(sid)).toMatchObject({
      user_id: user,
      started_at: new Date(Date.UTC(2026, 2, 1)),
      expires_at: new Date(Date.UTC(2026, 2, 1) + 12 * 3600_000),
      user_agent: 'Mozilla/5.0 (test)',
      revoked_at: null,
    });
    await append(revoke(sid, Date.UTC(2026, 2, 1, 1)), revoke(sid, Date.UTC(2026, 2, 1, 2)));
    await append(revoke(sid, Date.UTC(2026, 2, 1, 3), randomUUID()));
    expect(await row(sid)).toMatchObject({ revoked_at: new Date(Date.UTC(2026, 2, 1, 1)), revoked_by: sid });
  });

  it('keeps a revocation that arrives before its start, and fills the start in afterwards', async () => {
    const sid = randomUUID();
    await append(revoke(sid, Date.UTC(2026, 2, 2)));
    expect(await row(sid)).toMatchObject({ started_at: null, revoked_at: new Date(Date.UTC(2026, 2, 2)) });
    await append(start(sid), start(sid));
    expect(await row(sid)).toMatchObject({
      started_at: new Date(Date.UTC(2026, 2, 1)),
      revoked_at: new Date(Date.UTC(2026, 2, 2)),
    });
  });
});
