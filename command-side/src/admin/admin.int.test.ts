/**
 * Admin commands against the running stack: projects, keys and users are events in the admin
 * topic, and every instance's key directory follows that topic (revocations within 2 s); a command
 * or an unknown key first reads it to its end, so it sees what another instance appended just before.
 */
import { randomUUID } from 'node:crypto';
import {
  CSRF_HEADER,
  hashApiKey,
  issueSessionToken,
  verifyPassword,
  type AnyEvent,
} from '@eventlens/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  SESSION_SECRET,
  adminClient,
  startCommandSide,
  testConfig,
  startAdminPair,
  type RunningCommandSide,
  type TestStack,
  type AdminPair,
} from '../test-support';
import { eventually } from '@eventlens/stack/eventually';
import { API_KEYS, requestDelayer, requestDropper } from '@eventlens/stack/kafka-faults';

let pair: AdminPair;
let stack: TestStack;
let topics: AdminPair['topics'];
let first: RunningCommandSide;
let second: RunningCommandSide;
let admin: AdminPair['admin'];
let adminLog: AdminPair['adminLog'];

beforeAll(async () => {
  pair = await startAdminPair();
  ({ stack, topics, first, second, admin, adminLog } = pair);
});

afterAll(() => pair?.stop());

const track = (url: string, key: string) =>
  fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: key, event_name: 'admin_test' }),
  }).then((r) => r.status);

const adminEvents = (type: AnyEvent['type']) => adminLog.records.filter((r) => r.event.type === type);

describe('projects and keys', () => {
  it('creates a project, issues a write key shown once, and the key can send events', async () => {
    const project = await admin.call('POST', '/v1/admin/projects', { name: 'Shop' });
    expect(project.status).toBe(201);
    expect(project.body).toMatchObject({
      name: 'Shop',
      project_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const projectId = project.body.project_id as string;

    const issued = await admin.call('POST', `/v1/admin/projects/${projectId}/keys`, {
      kind: 'write',
      name: 'website',
    });
    expect(issued.status).toBe(201);
    const key = issued.body.key as string;
    expect(issued.body).toMatchObject({
      kind: 'write',
      name: 'website',
      key_prefix: key.slice(0, 10),
      project_id: projectId,
    });
    expect(key).toMatch(/^el_/);
    expect(await track(first.url, key)).toBe(202);

    // In the log: the hash and the prefix, never the key.
    const record = await adminLog.until((all) =>
      all.find((r) => r.event.type === 'ApiKeyIssued' && r.event.value.key_id === issued.body.key_id),
    );
    expect(record.key).toBe(projectId);
    expect(record.event.value).toMatchObject({ key_hash: hashApiKey(key), key_prefix: key.slice(0, 10) });
    expect(adminLog.records.some((r) => r.value.includes(key))).toBe(false);
    expect(adminEvents('ProjectCreated').find((r) => r.key === projectId)?.event.value).toMatchObject({
      name: 'Shop',
      created_by: null,
    });
  });

  it('refuses a revoked key at once on the instance that revoked it, and within 2 s on another', async () => {
    const { projectId, key, keyId } = await admin.projectWithKey('revocation');
    // The second instance learns of the key from the admin topic.
    await eventually(
      'the key known to the second instance',
      async () => (await track(second.url, key)) === 202,
      {
        timeoutMs: 2000,
        intervalMs: 20,
      },
    );
    const revoked = await admin.call('DELETE', `/v1/admin/projects/${projectId}/keys/${keyId}`);
    expect(revoked.status).toBe(204);
    const revokedAt = Date.now();
    expect(await track(first.url, key)).toBe(401);
    await eventually(
      'the other instance refusing the revoked key',
      async () => (await track(second.url, key)) === 401,
      {
        timeoutMs: 2000,
        intervalMs: 20,
      },
    );
    console.log(`revocation seen by the other instance after ${Date.now() - revokedAt} ms`);
    // Revoking again changes nothing and says so the same way.
    expect((await admin.call('DELETE', `/v1/admin/projects/${projectId}/keys/${keyId}`)).status).toBe(204);
    // Everything before a later marker record has been read: exactly one revocation is in the log.
    const marker = await admin.call('POST', '/v1/admin/projects', { name: 'marker' });
    await adminLog.until((all) => all.some((r) => r.key === marker.body.project_id));
    const revocations = adminEvents('ApiKeyRevoked').filter(
      (r) => r.event.type === 'ApiKeyRevoked' && r.event.value.key_id === keyId,
    );
    expect(revocations).toHaveLength(1);
  });

  it('answers 404 for a key revoked through another project, and the key keeps working', async () => {
    const a = await admin.projectWithKey('tenant A');
    const b = await admin.projectWithKey('tenant B');
    const response = await admin.call('DELETE', `/v1/admin/projects/${b.projectId}/keys/${a.keyId}`);
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(await track(first.url, a.key)).toBe(202);
  });

  it('answers 404 for keys of a project that does not exist, or ids that are not ids', async () => {
    expect(
      (await admin.call('POST', `/v1/admin/projects/${randomUUID()}/keys`, { kind: 'write' })).status,
    ).toBe(404);
    expect((await admin.call('POST', '/v1/admin/projects/not-a-uuid/keys', { kind: 'write' })).status).toBe(
      404,
    );
    const { projectId } = await admin.projectWithKey('unknown key');
    expect((await admin.call('DELETE', `/v1/admin/projects/${projectId}/keys/${randomUUID()}`)).status).toBe(
      404,
    );
  });

  it('issues read keys, which the ingestion API does not take', async () => {
    const { projectId } = await admin.projectWithKey('read keys');
    const issued = await admin.call('POST', `/v1/admin/projects/${projectId}/keys`, { kind: 'read' });
    expect(issued.status).toBe(201);
    expect(issued.body.key).toMatch(/^elr_/);
    expect(await track(first.url, issued.body.key as string)).toBe(400);
  });

  it('validates admin bodies like any other', async () => {
    const bad = await admin.call('POST', '/v1/admin/projects', { name: '', owner: 'x' });
    expect(bad.status).toBe(400);
    expect((bad.body.error as { fields: { field: string }[] }).fields.map((f) => f.field).sort()).toEqual([
      'name',
      'owner',
    ]);
    const { projectId } = await admin.projectWithKey('validation');
    const kind = await admin.call('POST', `/v1/admin/projects/${projectId}/keys`, { kind: 'admin' });
    expect(kind.status).toBe(400);
    const asText = await fetch(`${first.url}/v1/admin/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' },
      body: '{"name":"x"}',
    });
    expect(asText.status).toBe(415);
  });
});

describe('users', () => {
  it('registers a user with an scrypt hash in the log, and refuses the same email twice', async () => {
    const email = `Ada.${randomUUID()}@Example.com`;
    const registered = await admin.call('POST', '/v1/admin/users', {
      email,
      password: 'correct horse battery',
      name: 'Ada',
    });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ email: email.toLowerCase(), name: 'Ada' });
    const record = await adminLog.until((all) =>
      all.find((r) => r.event.type === 'UserRegistered' && r.event.value.user_id === registered.body.user_id),
    );
    expect(record.key).toBe(registered.body.user_id);
    if (record.event.type !== 'UserRegistered') throw new Error('unreachable');
    expect(record.event.value.password_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[^$]+\$[^$]+$/);
    expect(await verifyPassword('correct horse battery', record.event.value.password_hash)).toBe(true);
    expect(record.value.includes('correct horse battery')).toBe(false);

    const again = await admin.call('POST', '/v1/admin/users', {
      email: email.toUpperCase(),
      password: 'another password',
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'CONFLICT' } });
  });

  it('names the bad fields of a registration', async () => {
    const response = await admin.call('POST', '/v1/admin/users', {
      email: 'not-an-email',
      password: 'short',
    });
    expect(response.status).toBe(400);
    expect(
      (response.body.error as { fields: { field: string }[] }).fields.map((f) => f.field).sort(),
    ).toEqual(['email', 'password']);
  });
});

describe('who may run admin commands', () => {
  const post = (headers: Record<string, string>) =>
    fetch(`${first.url}/v1/admin/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ name: 'by session' }),
    });

  it('a console session with the CSRF header, recorded as the creator', async () => {
    const userId = randomUUID();
    const cookie = `eventlens_session=${issueSessionToken({ user_id: userId, email: 'ops@example.com' }, SESSION_SECRET)}`;
    const response = await post({ cookie, 'x-eventlens-csrf': '1' });
    expect(response.status).toBe(201);
    const { project_id } = (await response.json()) as { project_id: string };
    const record = await adminLog.until((all) =>
      all.find((r) => r.key === project_id && r.event.type === 'ProjectCreated'),
    );
    expect(record.event.value).toMatchObject({ created_by: userId });
  });

  it('nobody else: 401', async () => {
    const cookie = `eventlens_session=${issueSessionToken({ user_id: 'u', email: 'e@x.y' }, SESSION_SECRET)}`;
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer not-the-admin-token' })).status).toBe(401);
    expect((await post({ cookie })).status).toBe(401);
    const forged = `eventlens_session=${issueSessionToken({ user_id: 'u', email: 'e@x.y' }, 'another-secret-0123456789')}`;
    expect((await post({ cookie: forged, 'x-eventlens-csrf': '1' })).status).toBe(401);
    const expired = `eventlens_session=${issueSessionToken({ user_id: 'u', email: 'e@x.y' }, SESSION_SECRET, Date.now() - 13 * 3600_000)}`;
    expect((await post({ cookie: expired, 'x-eventlens-csrf': '1' })).status).toBe(401);
  });
});

describe('DLQ replay requests', () => {
  const replay = (projection: string, headers: Record<string, string>) =>
    fetch(`${first.url}/v1/admin/projections/${projection}/dlq/replay`, { method: 'POST', headers });

  it('appends DlqReplayRequested to the admin topic and answers 202 with the request id', async () => {
    const response = await admin.call('POST', '/v1/admin/projections/analytics/dlq/replay');
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      projection: 'analytics',
      requested_at: expect.any(String),
    });
    const record = await adminLog.until((all) =>
      all.find(
        (r) => r.event.type === 'DlqReplayRequested' && r.event.value.request_id === response.body.request_id,
      ),
    );
    expect(record.key).toBe('analytics');
    expect(record.event.value).toEqual({
      request_id: response.body.request_id,
      projection: 'analytics',
      requested_at: Date.parse(response.body.requested_at as string),
      requested_by: null,
    });
  });

  it('records the console user who asked, with a session cookie and the CSRF header', async () => {
    const userId = randomUUID();
    const cookie = `eventlens_session=${issueSessionToken({ user_id: userId, email: 'ops@example.com' }, SESSION_SECRET)}`;
    const response = await replay('admin', { cookie, 'x-eventlens-csrf': '1' });
    expect(response.status).toBe(202);
    const { request_id } = (await response.json()) as { request_id: string };
    const record = await adminLog.until((all) =>
      all.find((r) => r.event.type === 'DlqReplayRequested' && r.event.value.request_id === request_id),
    );
    expect(record.event.value).toMatchObject({ projection: 'admin', requested_by: userId });
    // The other instance's directory reads the request, ignores it, and keeps following the topic.
    const { projectId, key } = await admin.projectWithKey('after a replay request');
    await eventually(
      'the key known to the second instance',
      async () => (await track(second.url, key)) === 202,
      {
        timeoutMs: 2000,
        intervalMs: 20,
      },
    );
    expect(second.commandSide.directory.project(projectId)).toBeDefined();
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
  });

  it('answers 404 naming an unknown projection, and 401 without admin rights; nothing is appended', async () => {
    const before = adminEvents('DlqReplayRequested').length;
    for (const name of ['ops', 'nope', 'ANALYTICS']) {
      const response = await admin.call('POST', `/v1/admin/projections/${name}/dlq/replay`);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({
        error: { code: 'NOT_FOUND', message: expect.stringContaining(`"${name}"`) },
      });
    }
    const cookie = `eventlens_session=${issueSessionToken({ user_id: 'u', email: 'e@x.y' }, SESSION_SECRET)}`;
    expect((await replay('analytics', {})).status).toBe(401);
    expect((await replay('analytics', { cookie })).status).toBe(401);
    expect((await replay('analytics', { authorization: 'Bearer not-the-admin-token' })).status).toBe(401);
    const marker = await admin.call('POST', '/v1/admin/projects', { name: 'after refused replays' });
    await adminLog.until((all) => all.some((r) => r.key === marker.body.project_id));
    expect(adminEvents('DlqReplayRequested')).toHaveLength(before);
  });
});

describe('an instance started later', () => {
  it('reads the admin topic up to its high watermark before it is ready, then knows every key', async () => {
    const live = await admin.projectWithKey('before restart');
    const dead = await admin.projectWithKey('revoked before restart');
    expect(
      (await admin.call('DELETE', `/v1/admin/projects/${dead.projectId}/keys/${dead.keyId}`)).status,
    ).toBe(204);

    const started = Date.now();
    const third = await startCommandSide(testConfig(stack, topics));
    try {
      console.log(`caught up with ${adminLog.records.length} admin records in ${Date.now() - started} ms`);
      expect((await fetch(`${third.url}/readyz`)).status).toBe(200);
      expect(third.commandSide.directory.project(live.projectId)).toBeDefined();
      expect(await track(third.url, live.key)).toBe(202);
      expect(await track(third.url, dead.key)).toBe(401);
    } finally {
      await third.stop();
    }
  });
});

describe('what one instance appended, the next request to another sees', () => {
  // `slow` reads the admin log 2 s late (its tail's fetches reach the broker late), so it learns
  // of another instance's records long after that instance answered. No waiting in between: each
  // command, and each request with a key it does not know, first reads the admin log to its end.
  const FETCH_DELAY_MS = 2000;
  let slow: RunningCommandSide;
  beforeAll(async () => {
    const delayer = requestDelayer();
    delayer.delay(API_KEYS.Fetch, FETCH_DELAY_MS);
    slow = await startCommandSide(testConfig(stack, topics), {
      adminTailSocketFactory: delayer.socketFactory,
    });
  });
  afterAll(() => slow?.stop());

  it('a project created through one instance takes a key through the other, which the first takes events with', async () => {
    const project = await admin.call('POST', '/v1/admin/projects', { name: 'across' });
    expect(project.status).toBe(201);
    const issued = await adminClient(slow.url).call(
      'POST',
      `/v1/admin/projects/${project.body.project_id}/keys`,
      {
        kind: 'write',
      },
    );
    expect(issued.status).toBe(201);
    const key = issued.body.key as string;
    expect(await track(first.url, key)).toBe(202);

    // And the other way round: a key issued through the first is taken by the slow one at once.
    const { key: firstKey } = await admin.projectWithKey('across, the other way');
    expect(await track(slow.url, firstKey)).toBe(202);
  });

  it('a user registered through one instance is taken by the other: its email refused again, its login accepted', async () => {
    const email = `across.${randomUUID()}@example.com`;
    const password = 'correct horse battery';
    expect((await admin.call('POST', '/v1/admin/users', { email, password })).status).toBe(201);
    const again = await adminClient(slow.url).call('POST', '/v1/admin/users', { email, password });
    expect(again.status).toBe(409);

    const other = `across.${randomUUID()}@example.com`;
    expect((await admin.call('POST', '/v1/admin/users', { email: other, password })).status).toBe(201);
    const login = await fetch(`${slow.url}/v1/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [CSRF_HEADER]: '1',
        'x-forwarded-for': '198.51.100.200',
      },
      body: JSON.stringify({ email: other, password }),
    });
    expect(login.status).toBe(200);
  });

  it('a domain declared through one instance is taken by the other as POST /api/event domain', async () => {
    const { projectId } = await admin.projectWithKey('declared domain');
    const domain = `across-${randomUUID().slice(0, 8)}.example`;
    const settings = await admin.call('PUT', `/v1/admin/projects/${projectId}/settings`, {
      time_zone: 'UTC',
      domains: [domain],
    });
    expect(settings.status).toBe(200);
    const sent = await fetch(`${slow.url}/api/event`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0',
      },
      body: JSON.stringify({ n: 'pageview', u: `https://${domain}/`, d: domain }),
    });
    expect(sent.status).toBe(202);
  });

  it('an unknown key is still refused (401), after the read', async () => {
    expect(await track(slow.url, 'el_not-a-key-of-anyone')).toBe(401);
  });

  it('when the broker cannot say where the admin log ends: commands 503 NOT_READY, an unknown key still 401', async () => {
    const dropper = requestDropper();
    const cut = await startCommandSide(testConfig(stack, topics), {
      adminTailSocketFactory: dropper.socketFactory,
    });
    try {
      dropper.drop(API_KEYS.ListOffsets);
      const refused = await adminClient(cut.url).call('POST', '/v1/admin/projects', { name: 'never' });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: { code: 'NOT_READY' } });
      expect(dropper.dropped()).toBeGreaterThan(0);
      expect(await track(cut.url, 'el_not-a-key-of-anyone')).toBe(401);
    } finally {
      await cut.stop();
    }
  });
});
