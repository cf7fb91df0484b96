import { describe, expect, it } from 'vitest';
import { hashApiKey, type AnyEvent } from '@eventlens/contracts';
import { decideIssueKey, decideRegisterUser, decideRevokeKey } from './decide';
import { createKeyDirectory } from './directory';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const KEY = 'el_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const KEY_ID = '33333333-3333-4333-8333-333333333333';

const project = (project_id: string): AnyEvent => ({
  type: 'ProjectCreated',
  value: { project_id, name: project_id, created_at: 1, created_by: null },
});
const issued = (): AnyEvent => ({
  type: 'ApiKeyIssued',
  value: {
    key_id: KEY_ID,
    project_id: A,
    kind: 'write',
    name: 'web',
    key_hash: hashApiKey(KEY),
    key_prefix: KEY.slice(0, 10),
    issued_at: 2,
  },
});
const revoked = (project_id = A): AnyEvent => ({
  type: 'ApiKeyRevoked',
  value: { key_id: KEY_ID, project_id, revoked_at: 3 },
});

let ids = 0;
const deps = { now: () => 1000, newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}` };

describe('key directory', () => {
  it('finds a write key by its plaintext, and forgets it once revoked', () => {
    const directory = createKeyDirectory();
    directory.apply(project(A));
    directory.apply(issued());
    expect(directory.keyFor(KEY)).toMatchObject({ key_id: KEY_ID, project_id: A, revoked: false });
    directory.apply(revoked());
    expect(directory.keyFor(KEY)?.revoked).toBe(true);
    expect(directory.keyFor('el_unknownunknownunknown')).toBeUndefined();
  });

  it('is idempotent, and a revocation stays final when the issue is seen again afterwards', () => {
    const directory = createKeyDirectory();
    const events = [project(A), issued(), revoked()];
    for (const event of events) directory.apply(event);
    // The tail replays what this instance already applied locally.
    for (const event of events) directory.apply(event);
    expect(directory.keyFor(KEY)?.revoked).toBe(true);
    expect(directory.size()).toEqual({ projects: 1, keys: 1, users: 0, sessions: 0, publicLinks: 0 });
  });

  it('ignores a revocation that names another project', () => {
    const directory = createKeyDirectory();
    for (const event of [project(A), project(B), issued(), revoked(B)]) directory.apply(event);
    expect(directory.keyFor(KEY)?.revoked).toBe(false);
  });
});

describe('admin decisions', () => {
  it('issues a key only in a project that exists, storing its hash and prefix, never the key', () => {
    const directory = createKeyDirectory();
    expect(decideIssueKey(directory, { project_id: A, kind: 'write' }, KEY, 'hash', deps)).toEqual({
      kind: 'refuse',
      error: { code: 'PROJECT_NOT_FOUND', project_id: A },
    });
    directory.apply(project(A));
    const decision = decideIssueKey(directory, { project_id: A, kind: 'write' }, KEY, 'hash', deps);
    expect(decision.kind).toBe('append');
    if (decision.kind !== 'append') return;
    expect(decision.event).toMatchObject({
      type: 'ApiKeyIssued',
      value: {
        project_id: A,
        kind: 'write',
        name: 'write key',
        key_hash: 'hash',
        key_prefix: KEY.slice(0, 10),
      },
    });
    expect(JSON.stringify(decision.event)).not.toContain(KEY);
    expect(decision.response.key).toBe(KEY);
  });

  it('revokes a key only through its own project (404 otherwise), and a second time changes nothing', () => {
    const directory = createKeyDirectory();
    for (const event of [project(A), project(B), issued()]) directory.apply(event);
    expect(decideRevokeKey(directory, { project_id: B, key_id: KEY_ID }, deps)).toEqual({
      kind: 'refuse',
      error: { code: 'KEY_NOT_FOUND', project_id: B, key_id: KEY_ID },
    });
    const decision = decideRevokeKey(directory, { project_id: A, key_id: KEY_ID }, deps);
    expect(decision).toMatchObject({ kind: 'append', event: { type: 'ApiKeyRevoked' } });
    if (decision.kind === 'append') directory.apply(decision.event);
    expect(decideRevokeKey(directory, { project_id: A, key_id: KEY_ID }, deps).kind).toBe('nothing-to-do');
  });

  it('refuses a second user with the same email', () => {
    const directory = createKeyDirectory();
    const command = { email: 'ada@example.com', password: 'correct horse battery' };
    const first = decideRegisterUser(directory, command, 'scrypt$…', deps);
    expect(first.kind).toBe('append');
    if (first.kind === 'append') directory.apply(first.event);
    expect(decideRegisterUser(directory, command, 'scrypt$…', deps)).toEqual({
      kind: 'refuse',
      error: { code: 'EMAIL_TAKEN', email: 'ada@example.com' },
    });
  });
});

describe('console sessions', () => {
  const USER = '44444444-4444-4444-8444-444444444444';
  const SID = '55555555-5555-4555-8555-555555555555';
  const started = (session_id = SID, started_at = 10_000, user_id = USER): AnyEvent => ({
    type: 'ConsoleSessionStarted',
    value: { session_id, user_id, started_at, expires_at: started_at + 12 * 3600_000, user_agent: 'test' },
  });
  const revokedSession = (session_id = SID, user_id = USER): AnyEvent => ({
    type: 'ConsoleSessionRevoked',
    value: { session_id, user_id, revoked_at: 20_000, revoked_by: session_id },
  });

  it('knows a started session, and a revocation is final whatever order the records arrive in', () => {
    const inOrder = createKeyDirectory();
    inOrder.apply(started());
    expect(inOrder.session(SID)).toMatchObject({ user_id: USER, revoked: false });
    expect(inOrder.sessionRevoked(SID)).toBe(false);
    inOrder.apply(revokedSession());
    inOrder.apply(started());
    expect(inOrder.sessionRevoked(SID)).toBe(true);
    expect(inOrder.session(SID)?.revoked).toBe(true);

    const reversed = createKeyDirectory();
    reversed.apply(revokedSession());
    expect(reversed.sessionRevoked(SID)).toBe(true);
    reversed.apply(started());
    expect(reversed.session(SID)?.revoked).toBe(true);
  });

  it("ignores a revocation naming another user than the session's", () => {
    const directory = createKeyDirectory();
    directory.apply(started());
    directory.apply(revokedSession(SID, '66666666-6666-4666-8666-666666666666'));
    expect(directory.sessionRevoked(SID)).toBe(false);
  });

  it('forgets sessions whose tokens have expired, so memory holds about one token lifetime', () => {
    const directory = createKeyDirectory();
    directory.apply(started(SID, 0));
    directory.apply(revokedSession());
    const later = '77777777-7777-4777-8777-777777777777';
    directory.apply(started(later, 13 * 3600_000));
    expect(directory.session(SID)).toBeUndefined();
    expect(directory.session(later)).toBeDefined();
    expect(directory.size().sessions).toBe(1);
  });
});

describe('public links in the directory', () => {
  const LINK = '44444444-4444-4444-8444-444444444444';
  const created = (project_id = A): AnyEvent => ({
    type: 'PublicLinkCreated',
    value: {
      link_id: LINK,
      project_id,
      token_hash: 'ab'.repeat(32),
      token_prefix: 'els_abcdef',
      password_hash: null,
      created_at: 1,
      created_by: null,
    },
  });
  const linkRevoked = (project_id = A): AnyEvent => ({
    type: 'PublicLinkRevoked',
    value: { link_id: LINK, project_id, revoked_at: 2, revoked_by: null },
  });

  it('knows a link by id, and a revocation is final whatever order the records come in', () => {
    const directory = createKeyDirectory();
    directory.apply(project(A));
    directory.apply(created());
    expect(directory.publicLink(LINK)).toEqual({ link_id: LINK, project_id: A, revoked: false });
    directory.apply(linkRevoked());
    directory.apply(created());
    expect(directory.publicLink(LINK)?.revoked).toBe(true);

    const early = createKeyDirectory();
    early.apply(linkRevoked());
    early.apply(created());
    expect(early.publicLink(LINK)?.revoked).toBe(true);
    expect(early.size().publicLinks).toBe(1);
  });

  it('ignores a revocation that names another project', () => {
    const directory = createKeyDirectory();
    for (const event of [created(A), linkRevoked(B)]) directory.apply(event);
    expect(directory.publicLink(LINK)?.revoked).toBe(false);
    const early = createKeyDirectory();
    for (const event of [linkRevoked(B), created(A)]) early.apply(event);
    expect(early.publicLink(LINK)?.revoked).toBe(false);
  });
});
