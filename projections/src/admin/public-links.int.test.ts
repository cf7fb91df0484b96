/**
 * Public dashboard links in the admin read model (real Kafka, registry, PostgreSQL): a
 * PublicLinkCreated is a `public_links` row (hash, prefix, password hash as written), a
 * PublicLinkRevoked sets its `revoked_at` once — a repeat, in the same batch or later, changes
 * nothing — and a revocation naming another project, or a link not known yet, goes to the retries
 * (KEY_NOT_FOUND) without touching any row.
 */
import { randomUUID } from 'node:crypto';
import { hashShareToken } from '@eventlens/contracts';
import { eventually } from '@eventlens/stack/eventually';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from '../db';
import { caughtUp, createTestEnv, startInProcess, type InProcess, type TestEnv } from '../testing/fixture';

describe('public_links from the admin topic', () => {
  let env: TestEnv;
  let workers: InProcess;

  beforeAll(async () => {
    env = await createTestEnv();
    workers = await startInProcess(env, ['admin', 'ops']);
  });
  afterAll(async () => {
    await workers?.stop();
    await env?.cleanup();
  });

  const append = async (key: string, ...values: Buffer[]) => {
    await env.producer.send({
      topic: env.topology.projections.admin.source,
      acks: -1,
      messages: values.map((value) => ({ key, value })),
    });
    await caughtUp(env, env.topology.projections.admin.schema, env.topology.projections.admin.source);
  };
  const created = (link_id: string, project_id: string, password_hash: string | null = null) =>
    env.codec.encode('PublicLinkCreated', {
      link_id,
      project_id,
      token_hash: hashShareToken(`els_${link_id}`),
      token_prefix: `els_${link_id.slice(0, 6)}`,
      password_hash,
      created_at: Date.UTC(2026, 2, 1),
      created_by: 'a0a0a0a0-0000-4000-8000-000000000001',
    });
  const revoked = (link_id: string, project_id: string, at: number, by: string | null = null) =>
    env.codec.encode('PublicLinkRevoked', { link_id, project_id, revoked_at: at, revoked_by: by });
  const row = async (linkId: string) =>
    (
      await env.pool.query<Record<string, unknown>>(
        `select project_id, token_hash, token_prefix, password_hash, created_at, created_by, revoked_at, revoked_by
           from ${ident(env.topology.projections.admin.schema)}.public_links where link_id = $1`,
        [linkId],
      )
    ).rows[0];
  /** The DLQ records of the admin projection that name `project`, by error code. */
  const dead = async (project: string) =>
    (
      await env.pool.query<{ error_code: string }>(
        `select error_code from ${ident(env.topology.ops.schema)}.dlq_records
          where projection = 'admin' and project_id = $1`,
        [project],
      )
    ).rows;

  it('stores a link as written, the password as its hash, and no token', async () => {
    const project = randomUUID();
    const open = randomUUID();
    const locked = randomUUID();
    await append(
      project,
      created(open, project),
      created(locked, project, 'scrypt$32768$8$1$c2FsdA==$aGFzaA=='),
    );
    expect(await row(open)).toEqual({
      project_id: project,
      token_hash: hashShareToken(`els_${open}`),
      token_prefix: `els_${open.slice(0, 6)}`,
      password_hash: null,
      created_at: new Date(Date.UTC(2026, 2, 1)),
      created_by: 'a0a0a0a0-0000-4000-8000-000000000001',
      revoked_at: null,
      revoked_by: null,
    });
    expect(await row(locked)).toMatchObject({ password_hash: 'scrypt$32768$8$1$c2FsdA==$aGFzaA==' });
    // Read again (a retry, a rebuild over it): nothing changes.
    await append(project, created(open, project));
    expect(await row(open)).toMatchObject({ revoked_at: null, created_at: new Date(Date.UTC(2026, 2, 1)) });
  });

  it('keeps the first revocation, in one batch and across batches', async () => {
    const project = randomUUID();
    const link = randomUUID();
    const first = Date.UTC(2026, 2, 2);
    const by = 'b0b0b0b0-0000-4000-8000-000000000002';
    await append(
      project,
      created(link, project),
      revoked(link, project, first, by),
      revoked(link, project, first + 5),
    );
    expect(await row(link)).toMatchObject({ revoked_at: new Date(first), revoked_by: by });
    await append(project, revoked(link, project, first + 10));
    expect(await row(link)).toMatchObject({ revoked_at: new Date(first), revoked_by: by });
  });

  it('sends a revocation naming another project, or an unknown link, to the retries and the DLQ', async () => {
    const project = randomUUID();
    const stranger = randomUUID();
    const link = randomUUID();
    await append(project, created(link, project));
    await append(stranger, revoked(link, stranger, Date.UTC(2026, 2, 3)), revoked(randomUUID(), stranger, 1));
    await eventually('both revocations dead-lettered', async () => (await dead(stranger)).length === 2, {
      timeoutMs: 30_000,
    });
    expect(await dead(stranger)).toEqual([{ error_code: 'KEY_NOT_FOUND' }, { error_code: 'KEY_NOT_FOUND' }]);
    expect(await row(link)).toMatchObject({ revoked_at: null });
  });
});
