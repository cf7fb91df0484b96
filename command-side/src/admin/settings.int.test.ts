/**
 * Project settings against the running stack: PUT replaces a project's time zone, domains, goals and
 * excluded address ranges with one ProjectSettingsChanged (v2) in the admin topic; a domain belongs
 * to one project, on every instance; every instance learns a project's excluded ranges from the log.
 */
import { randomUUID } from 'node:crypto';
import { writerSchemaIdOf } from '@eventlens/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@eventlens/stack/eventually';
import {
  adminClient,
  startAdminPair,
  type RunningCommandSide,
  type TestStack,
  type AdminPair,
} from '../test-support';

let pair: AdminPair;
let stack: TestStack;
let first: RunningCommandSide;
let second: RunningCommandSide;
let admin: AdminPair['admin'];
let other: AdminPair['admin'];
let adminLog: AdminPair['adminLog'];

beforeAll(async () => {
  pair = await startAdminPair();
  ({ stack, first, second, admin, adminLog } = pair);
  other = adminClient(second.url);
});

afterAll(() => pair?.stop());

const settingsOf = (projectId: string) =>
  adminLog.records.filter(
    (r) => r.event.type === 'ProjectSettingsChanged' && r.event.value.project_id === projectId,
  );

describe('PUT /v1/admin/projects/{project_id}/settings', () => {
  it('appends the whole settings once, and the same settings again append nothing', async () => {
    const { projectId } = await admin.projectWithKey('settings');
    const domain = `${randomUUID().slice(0, 8)}.example.com`;
    const put = await admin.call('PUT', `/v1/admin/projects/${projectId}/settings`, {
      time_zone: 'Asia/Kolkata',
      domains: [domain.toUpperCase()],
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ project_id: projectId, time_zone: 'Asia/Kolkata', domains: [domain] });

    const record = await adminLog.until((all) =>
      all.find((r) => r.event.type === 'ProjectSettingsChanged' && r.event.value.project_id === projectId),
    );
    expect(record.key).toBe(projectId);
    expect(record.event.value).toMatchObject({
      time_zone: 'Asia/Kolkata',
      domains: [domain],
      changed_by: null,
    });

    const again = await admin.call('PUT', `/v1/admin/projects/${projectId}/settings`, {
      time_zone: 'Asia/Kolkata',
      domains: [domain],
    });
    expect(again).toEqual(put);
    // A later record proves the log was read past the repeated PUT: still one settings record.
    const marker = await admin.call('POST', '/v1/admin/projects', { name: 'marker' });
    await adminLog.until((all) =>
      all.find(
        (r) => r.event.type === 'ProjectCreated' && r.event.value.project_id === marker.body.project_id,
      ),
    );
    expect(settingsOf(projectId)).toHaveLength(1);
  });

  it('answers 409 naming a domain another project declares, on another instance too; nothing is appended', async () => {
    const a = await admin.projectWithKey('owner');
    const b = await admin.projectWithKey('claimant');
    const domain = `${randomUUID().slice(0, 8)}.example.org`;
    expect(
      (
        await admin.call('PUT', `/v1/admin/projects/${a.projectId}/settings`, {
          time_zone: 'UTC',
          domains: [domain],
        })
      ).status,
    ).toBe(200);

    const conflict = await admin.call('PUT', `/v1/admin/projects/${b.projectId}/settings`, {
      time_zone: 'UTC',
      domains: ['free.example.net', domain],
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ error: { code: 'CONFLICT' } });
    expect((conflict.body.error as { message: string }).message).toContain(domain);
    expect((conflict.body.error as { message: string }).message).not.toContain(a.projectId);

    // The second instance learns the owner from the admin topic.
    await eventually(
      'the other instance refusing the declared domain',
      async () =>
        (
          await other.call('PUT', `/v1/admin/projects/${b.projectId}/settings`, {
            time_zone: 'UTC',
            domains: [domain],
          })
        ).status === 409,
      { timeoutMs: 5000, intervalMs: 50 },
    );

    // Once the owner lets it go, the other project may declare it.
    expect(
      (
        await admin.call('PUT', `/v1/admin/projects/${a.projectId}/settings`, {
          time_zone: 'UTC',
          domains: [],
        })
      ).status,
    ).toBe(200);
    const taken = await admin.call('PUT', `/v1/admin/projects/${b.projectId}/settings`, {
      time_zone: 'Europe/Berlin',
      domains: [domain],
    });
    expect(taken.status).toBe(200);
    expect(settingsOf(b.projectId).length).toBeLessThanOrEqual(1);
  });

  it('answers 404 for a project that does not exist and 400 naming each bad field', async () => {
    const missing = await admin.call('PUT', `/v1/admin/projects/${randomUUID()}/settings`, {
      time_zone: 'UTC',
      domains: [],
    });
    expect(missing.status).toBe(404);

    const { projectId } = await admin.projectWithKey('invalid settings');
    const invalid = await admin.call('PUT', `/v1/admin/projects/${projectId}/settings`, {
      time_zone: 'US/Eastern',
      domains: ['https://example.com/'],
    });
    expect(invalid.status).toBe(400);
    const fields = (invalid.body.error as { fields: Array<{ field: string }> }).fields.map((f) => f.field);
    expect(fields.sort()).toEqual(['domains[0]', 'time_zone']);
  });

  it('writes goals and normalised ranges in v2, and a PUT leaving them out removes them', async () => {
    const { projectId } = await admin.projectWithKey('goals');
    const put = await admin.call('PUT', `/v1/admin/projects/${projectId}/settings`, {
      time_zone: 'UTC',
      domains: [],
      goals: [
        { name: 'Signup', event_name: 'signup' },
        { name: 'Any blog post', page_path: '/blog/**' },
      ],
      excluded_address_ranges: ['203.0.113.0/24', '2001:DB8:0::/32', '198.51.100.7'],
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      goals: [
        { name: 'Signup', event_name: 'signup' },
        { name: 'Any blog post', page_path: '/blog/**' },
      ],
      excluded_address_ranges: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7/32'],
    });

    const record = await adminLog.until((all) =>
      all.find((r) => r.event.type === 'ProjectSettingsChanged' && r.event.value.project_id === projectId),
    );
    expect(record.event.value).toMatchObject({
      goals: [
        { name: 'Signup', event_name: 'signup', page_path: null },
        { name: 'Any blog post', event_name: null, page_path: '/blog/**' },
      ],
      excluded_address_ranges: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7/32'],
    });
    // Written with the latest schema, v2 (the id the codec registered it under).
    expect(writerSchemaIdOf(record.value)).toBe(stack.codec.schemaId('ProjectSettingsChanged'));

    // The other instance learns the ranges from the admin topic.
    await eventually(
      'the other instance knowing the excluded ranges',
      () => second.commandSide.directory.excludedRanges(projectId).contains('198.51.100.7'),
      { timeoutMs: 5000, intervalMs: 50 },
    );
    expect(second.commandSide.directory.excludedRanges(projectId).contains('203.0.113.200')).toBe(true);
    expect(second.commandSide.directory.excludedRanges(projectId).contains('198.51.100.8')).toBe(false);

    const cleared = await admin.call('PUT', `/v1/admin/projects/${projectId}/settings`, {
      time_zone: 'UTC',
      domains: [],
    });
    expect(cleared.body).toMatchObject({ goals: [], excluded_address_ranges: [] });
    await eventually(
      'the other instance forgetting the ranges',
      () => !second.commandSide.directory.excludedRanges(projectId).contains('198.51.100.7'),
      { timeoutMs: 5000, intervalMs: 50 },
    );
  });

  it('answers 400 naming each bad goal and range field, with the fix', async () => {
    const { projectId } = await admin.projectWithKey('bad goals');
    const invalid = await admin.call('PUT', `/v1/admin/projects/${projectId}/settings`, {
      time_zone: 'UTC',
      domains: [],
      goals: [
        { name: 'Signup', event_name: 'signup' },
        { name: 'signup', event_name: 'other' },
        { name: 'Pricing', page_path: 'pricing' },
        { name: 'Neither' },
      ],
      excluded_address_ranges: ['10.0.0.0/8', '203.0.113.7/24'],
    });
    expect(invalid.status).toBe(400);
    const fields = (invalid.body.error as { fields: Array<{ field: string; message: string }> }).fields;
    expect(Object.fromEntries(fields.map((f) => [f.field, f.message]))).toEqual({
      'goals[1].name': expect.stringContaining('repeats the name of an earlier goal'),
      'goals[2].page_path': expect.stringContaining('must start with /'),
      'goals[3]': expect.stringContaining('needs event_name'),
      'excluded_address_ranges[1]': expect.stringContaining('the range is 203.0.113.0/24'),
    });
  });

  it('needs admin rights: 401 without them', async () => {
    const { projectId } = await admin.projectWithKey('no rights');
    const response = await fetch(`${first.url}/v1/admin/projects/${projectId}/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ time_zone: 'UTC', domains: [] }),
    });
    expect(response.status).toBe(401);
  });
});
