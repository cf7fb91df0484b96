/**
 * Public dashboard links as admin commands (real Kafka and registry): creating one appends
 * PublicLinkCreated with the token's hash and prefix (never the token, never the password) and
 * answers the token once; revoking appends PublicLinkRevoked once, idempotently; unknown projects and
 * links (another project's included) are 404s, a bad password a 400 naming `password`. Another
 * instance learns of a link from the admin topic and can revoke it.
 */
import { randomUUID } from 'node:crypto';
import {
  CSRF_HEADER,
  SESSION_COOKIE,
  hashShareToken,
  issueSessionToken,
  verifyPassword,
  type PublicLinkCreated,
  type PublicLinkRevoked,
} from '@eventlens/contracts';
import { eventually } from '@eventlens/stack/eventually';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  SESSION_SECRET,
  adminClient,
  startAdminPair,
  type RunningCommandSide,
  type AdminPair,
} from '../test-support';

let pair: AdminPair;
let first: RunningCommandSide;
let second: RunningCommandSide;
let admin: AdminPair['admin'];
let adminLog: AdminPair['adminLog'];

beforeAll(async () => {
  pair = await startAdminPair();
  ({ first, second, admin, adminLog } = pair);
});

afterAll(() => pair?.stop());

async function project(name = 'shared'): Promise<string> {
  const created = await admin.call('POST', '/v1/admin/projects', { name });
  expect(created.status).toBe(201);
  return created.body.project_id as string;
}

const created = (linkId: string) =>
  adminLog.until((all) =>
    all.find((r) => r.event.type === 'PublicLinkCreated' && r.event.value.link_id === linkId),
  );
const revocations = (linkId: string) =>
  adminLog.records.filter((r) => r.event.type === 'PublicLinkRevoked' && r.event.value.link_id === linkId);

/** Everything appended before a later marker has been read from the log. */
async function drained(): Promise<void> {
  const marker = await project('marker');
  await adminLog.until((all) => all.some((r) => r.key === marker));
}

describe('creating a public link', () => {
  it('answers the token once, and the log holds its hash and prefix only', async () => {
    const projectId = await project();
    const response = await fetch(`${first.url}/v1/admin/projects/${projectId}/public-links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    const token = body.token as string;
    expect(token).toMatch(/^els_[A-Za-z0-9_-]{32}$/);
    expect(body).toEqual({
      link_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      project_id: projectId,
      token,
      token_prefix: token.slice(0, 10),
      path: `/share/${token}`,
      has_password: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const record = await created(body.link_id as string);
    expect(record.key).toBe(projectId);
    expect(record.event.value).toEqual({
      link_id: body.link_id as string,
      project_id: projectId,
      token_hash: hashShareToken(token),
      token_prefix: token.slice(0, 10),
      password_hash: null,
      created_at: Date.parse(body.created_at as string),
      created_by: null,
    } satisfies PublicLinkCreated);
    expect(adminLog.records.some((r) => r.value.includes(token))).toBe(false);
  });

  it('keeps a password as its scrypt hash, never as sent', async () => {
    const projectId = await project();
    const password = 'a shared secret';
    const response = await admin.call('POST', `/v1/admin/projects/${projectId}/public-links`, { password });
    expect(response.status).toBe(201);
    expect(response.body.has_password).toBe(true);
    const record = await created(response.body.link_id as string);
    const value = record.event.value as PublicLinkCreated;
    expect(value.password_hash).toMatch(/^scrypt\$/);
    expect(await verifyPassword(password, value.password_hash!)).toBe(true);
    expect(await verifyPassword('another secret', value.password_hash!)).toBe(false);
    expect(adminLog.records.some((r) => r.value.includes(password))).toBe(false);
  });

  it('refuses a password out of bounds or an unknown field with a 400 naming it', async () => {
    const projectId = await project();
    const short = await admin.call('POST', `/v1/admin/projects/${projectId}/public-links`, {
      password: 'short',
    });
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({
      error: { code: 'INVALID_FIELD', fields: [{ field: 'password' }] },
    });
    expect(JSON.stringify(short.body)).toMatch(/8/);
    const long = await admin.call('POST', `/v1/admin/projects/${projectId}/public-links`, {
      password: 'x'.repeat(201),
    });
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ error: { fields: [{ field: 'password' }] } });
    const typed = await admin.call('POST', `/v1/admin/projects/${projectId}/public-links`, {
      password: 12345678,
    });
    expect(typed.body).toMatchObject({ error: { fields: [{ field: 'password' }] } });
    const unknown = await admin.call('POST', `/v1/admin/projects/${projectId}/public-links`, {
      pasword: 'long enough',
    });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('pasword');
  });

  it('answers 404 for a project that does not exist or an id that is no id, and 401 without credentials', async () => {
    const unknown = await admin.call('POST', `/v1/admin/projects/${randomUUID()}/public-links`, {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await admin.call('POST', '/v1/admin/projects/not-a-uuid/public-links', {})).status).toBe(404);
    const anonymous = await fetch(`${first.url}/v1/admin/projects/${await project()}/public-links`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(anonymous.status).toBe(401);
  });
});

describe('revoking a public link', () => {
  it('appends one revocation, and again answers 204 with nothing appended', async () => {
    const projectId = await project();
    const link = await admin.call('POST', `/v1/admin/projects/${projectId}/public-links`, {});
    const linkId = link.body.link_id as string;
    const path = `/v1/admin/projects/${projectId}/public-links/${linkId}`;
    const revoked = await admin.call('DELETE', path);
    expect(revoked.status).toBe(204);
    expect((await admin.call('DELETE', path)).status).toBe(204);
    await drained();
    const found = revocations(linkId);
    expect(found).toHaveLength(1);
    expect(found[0]!.key).toBe(projectId);
    expect(found[0]!.event.value).toMatchObject({
      link_id: linkId,
      project_id: projectId,
      revoked_by: null,
    } satisfies Partial<PublicLinkRevoked>);
  });

  it('answers 404 for an unknown link, a link of another project, or ids that are no ids', async () => {
    const a = await project('A');
    const b = await project('B');
    const linkOfA = (await admin.call('POST', `/v1/admin/projects/${a}/public-links`, {})).body
      .link_id as string;
    const throughB = await admin.call('DELETE', `/v1/admin/projects/${b}/public-links/${linkOfA}`);
    expect(throughB.status).toBe(404);
    expect(throughB.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await admin.call('DELETE', `/v1/admin/projects/${a}/public-links/${randomUUID()}`)).status).toBe(
      404,
    );
    expect(
      (await admin.call('DELETE', `/v1/admin/projects/${randomUUID()}/public-links/${linkOfA}`)).status,
    ).toBe(404);
    expect((await admin.call('DELETE', `/v1/admin/projects/${a}/public-links/nope`)).status).toBe(404);
    await drained();
    expect(revocations(linkOfA)).toHaveLength(0);
  });

  it('is known to another instance from the log, which can revoke it', async () => {
    const projectId = await project();
    const link = await admin.call('POST', `/v1/admin/projects/${projectId}/public-links`, {});
    const linkId = link.body.link_id as string;
    await eventually('the link known to the second instance', () =>
      Promise.resolve(second.commandSide.directory.publicLink(linkId)?.project_id === projectId),
    );
    const revoked = await adminClient(second.url).call(
      'DELETE',
      `/v1/admin/projects/${projectId}/public-links/${linkId}`,
    );
    expect(revoked.status).toBe(204);
    await eventually('the first instance seeing the revocation', () =>
      Promise.resolve(first.commandSide.directory.publicLink(linkId)?.revoked === true),
    );
  });
});

describe('with a console session', () => {
  const userId = randomUUID();
  const cookie = () =>
    `${SESSION_COOKIE}=${issueSessionToken({ user_id: userId, email: 'owner@example.test' }, SESSION_SECRET)}`;

  it('records the user who created and revoked a link, and needs the CSRF header', async () => {
    const projectId = await project();
    const withoutCsrf = await fetch(`${first.url}/v1/admin/projects/${projectId}/public-links`, {
      method: 'POST',
      headers: { cookie: cookie(), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(withoutCsrf.status).toBe(401);
    const headers = { cookie: cookie(), 'content-type': 'application/json', [CSRF_HEADER]: '1' };
    const response = await fetch(`${first.url}/v1/admin/projects/${projectId}/public-links`, {
      method: 'POST',
      headers,
      body: '{}',
    });
    expect(response.status).toBe(201);
    const linkId = ((await response.json()) as { link_id: string }).link_id;
    expect((await created(linkId)).event.value).toMatchObject({ created_by: userId });
    const revoked = await fetch(`${first.url}/v1/admin/projects/${projectId}/public-links/${linkId}`, {
      method: 'DELETE',
      headers,
    });
    expect(revoked.status).toBe(204);
    const record = await adminLog.until((all) =>
      all.find((r) => r.event.type === 'PublicLinkRevoked' && r.event.value.link_id === linkId),
    );
    expect(record.event.value).toMatchObject({ revoked_by: userId });
  });
});
