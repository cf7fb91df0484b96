/**
 * Project settings in the admin read model (real Kafka, registry, PostgreSQL): each
 * ProjectSettingsChanged replaces a project's `project_settings` row; the latest record wins
 * whatever order they arrive in, and a record read again changes nothing. A v2 record's goals and
 * excluded ranges are stored (goals as the API shows them); a v1 record stores none.
 */
import { randomUUID } from 'node:crypto';
import { AVRO_HISTORY, createCodec } from '@eventlens/contracts';
import { stackForTests } from '@eventlens/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from '../db';
import { caughtUp, createTestEnv, startInProcess, type InProcess, type TestEnv } from '../testing/fixture';
import { registerForTests } from '@eventlens/stack/schemas';

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
        `select time_zone, domains, goals, excluded_address_ranges, updated_at
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
      goals: [],
      excluded_address_ranges: [],
      updated_at: new Date(Date.UTC(2026, 2, 1)),
    });
    await append(project, changed(project, 'UTC', [], Date.UTC(2026, 2, 2)));
    expect(await row(project)).toEqual({
      time_zone: 'UTC',
      domains: [],
      goals: [],
      excluded_address_ranges: [],
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
      goals: [],
      excluded_address_ranges: [],
      updated_at: new Date(Date.UTC(2026, 3, 2)),
    });
  });

  it('stores a v2 record’s goals (as the API shows them) and ranges; a later v1 record clears them', async () => {
    const project = randomUUID();
    const withGoals = env.codec.encode('ProjectSettingsChanged', {
      project_id: project,
      time_zone: 'UTC',
      domains: [],
      changed_at: Date.UTC(2026, 4, 1),
      changed_by: null,
      goals: [
        { name: 'Signup', event_name: 'signup', page_path: null },
        { name: 'Blog', event_name: null, page_path: '/blog/**' },
      ],
      excluded_address_ranges: ['203.0.113.0/24', '2001:db8::/32'],
    });
    await append(project, withGoals);
    expect(await row(project)).toMatchObject({
      goals: [
        { name: 'Signup', event_name: 'signup' },
        { name: 'Blog', page_path: '/blog/**' },
      ],
      excluded_address_ranges: ['203.0.113.0/24', '2001:db8::/32'],
    });

    // A record written with v1's schema (a command side of the release before) reads as no goals.
    const v1 = createCodec({
      registryUrl: (await stackForTests()).registryUrl,
      schemas: { ProjectSettingsChanged: AVRO_HISTORY.ProjectSettingsChanged[0]! },
    });
    await registerForTests(v1);
    await append(
      project,
      v1.encode('ProjectSettingsChanged', {
        project_id: project,
        time_zone: 'Europe/Paris',
        domains: [],
        changed_at: Date.UTC(2026, 4, 2),
        changed_by: null,
      }),
    );
    expect(await row(project)).toEqual({
      time_zone: 'Europe/Paris',
      domains: [],
      goals: [],
      excluded_address_ranges: [],
      updated_at: new Date(Date.UTC(2026, 4, 2)),
    });
  });

  it('a record with the same time but other goals replaces the row (the later in the log)', async () => {
    const project = randomUUID();
    const at = Date.UTC(2026, 5, 1);
    const encode = (goals: Array<{ name: string; event_name: string | null; page_path: string | null }>) =>
      env.codec.encode('ProjectSettingsChanged', {
        project_id: project,
        time_zone: 'UTC',
        domains: [],
        changed_at: at,
        changed_by: null,
        goals,
      });
    await append(project, encode([{ name: 'A', event_name: 'a', page_path: null }]));
    await append(project, encode([{ name: 'B', event_name: 'b', page_path: null }]));
    expect((await row(project))!.goals).toEqual([{ name: 'B', event_name: 'b' }]);
  });
});
