/**
 * Project settings in the admin read model (real Kafka, registry, PostgreSQL): each
 * ProjectSettingsChanged replaces a project's `project_settings` row; the latest record wins
 * whatever order they arrive in, and a record read again changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from '../db';
import { caughtUp, createTestEnv, startInProcess, type InProcess, type TestEnv } from '../testing/fixture';

describe('project_settings from the admin topic', () => {
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

  const append = async (key: string, ...values: Buffer[]) => {
    await env.producer.send({
      topic: env.topology.projections.admin.source,
      acks: -1,
      messages: values.map((value) => ({ key, value })),
    });
    await caughtUp(env, env.topology.projections.admin.schema, env.topology.projections.admin.source);
  };
  const changed = (project_id: string, time_zone: string, domains: string[], changed_at: number) =>
    env.codec.encode('ProjectSettingsChanged', {
      project_id,
      time_zone,
      domains,
      changed_at,
      changed_by: null,
    });
  const row = async (projectId: string) =>
    (
      await env.pool.query<Record<string, unknown>>(
        `select time_zone, domains, updated_at
           from ${ident(env.topology.projections.admin.schema)}.project_settings where project_id = $1`,
        [projectId],
      )
    ).rows[0];

  it('stores the latest settings of a project, replaced whole', async () => {
    const project = randomUUID();
    await append(project, changed(project, 'Asia/Kolkata', ['a.example', 'b.example'], Date.UTC(2026, 2, 1)));
    expect(await row(project)).toEqual({
      time_zone: 'Asia/Kolkata',
      domains: ['a.example', 'b.example'],
      updated_at: new Date(Date.UTC(2026, 2, 1)),
    });
    await append(project, changed(project, 'UTC', [], Date.UTC(2026, 2, 2)));
    expect(await row(project)).toEqual({
      time_zone: 'UTC',
      domains: [],
      updated_at: new Date(Date.UTC(2026, 2, 2)),
    });
  });

  it('keeps the newest whatever the order, in one batch and across batches; a repeat changes nothing', async () => {
    const project = randomUUID();
    const newer = changed(project, 'Europe/Berlin', ['new.example'], Date.UTC(2026, 3, 2));
    const older = changed(project, 'America/New_York', ['old.example'], Date.UTC(2026, 3, 1));
    await append(project, newer, older);
    expect(await row(project)).toMatchObject({ time_zone: 'Europe/Berlin', domains: ['new.example'] });
    await append(project, older, newer);
    expect(await row(project)).toEqual({
      time_zone: 'Europe/Berlin',
      domains: ['new.example'],
      updated_at: new Date(Date.UTC(2026, 3, 2)),
    });
  });
});
