/**
 * Public dashboard links: the token's shape and hash, and grants — accepted until they expire,
 * refused when forged, altered or signed with another secret, and never interchangeable with a
 * console session token (each is signed for its own purpose with the same secret).
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CreatePublicLink,
  SHARE_GRANT_TTL_MS,
  SHARE_TOKEN_PATTERN,
  generateShareToken,
  hashShareToken,
  issueSessionToken,
  issueShareGrant,
  verifySessionToken,
  verifyShareGrant,
} from './index';

const secret = 'test-secret-with-enough-entropy';
const link = {
  link_id: '0b7e1f0e-2f7f-4c58-9d9c-0a8d2b6f1e11',
  project_id: '6f1c1b7e-8a1e-4f53-9a51-1d7d3f2f0a11',
};

describe('link tokens', () => {
  it('are els_ and 32 random base64url characters, each one new', () => {
    const a = generateShareToken();
    const b = generateShareToken();
    expect(a).toMatch(/^els_[A-Za-z0-9_-]{32}$/);
    expect(a).toMatch(SHARE_TOKEN_PATTERN);
    expect(a).not.toBe(b);
  });

  it('are stored as their hex SHA-256', () => {
    // sha256sum of the text els_abc
    expect(hashShareToken('els_abc')).toBe(
      'c2a804b15651c2aeb7d1742f2fd8942b3b8da2a93e82142ff21adf044ad9612e',
    );
    expect(hashShareToken('els_abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashShareToken('els_abc')).not.toBe(hashShareToken('els_abd'));
  });
});

describe('grants', () => {
  it('name the link and its project until they expire', () => {
    const now = 1_000_000;
    const { grant, expires_at } = issueShareGrant(link, secret, now, 60_000);
    expect(expires_at).toBe(now + 60_000);
    expect(verifyShareGrant(grant, secret, now + 59_999)).toEqual({ ...link, exp: now + 60_000 });
    expect(verifyShareGrant(grant, secret, now + 60_000)).toBeUndefined();
  });

  it('last an hour by default', () => {
    const now = 5_000_000;
    expect(issueShareGrant(link, secret, now).expires_at).toBe(now + SHARE_GRANT_TTL_MS);
    expect(SHARE_GRANT_TTL_MS).toBe(3_600_000);
  });

  it('are refused when signed with another secret, altered, or not a grant at all', () => {
    const { grant } = issueShareGrant(link, secret);
    expect(verifyShareGrant(grant, 'another-secret')).toBeUndefined();
    const [, signature] = grant.split('.');
    const other = Buffer.from(
      JSON.stringify({ ...link, project_id: '11111111-1111-4111-8111-111111111111', exp: Date.now() + 1e9 }),
    ).toString('base64url');
    expect(verifyShareGrant(`${other}.${signature}`, secret)).toBeUndefined();
    expect(verifyShareGrant(`${grant}.x`, secret)).toBeUndefined();
    expect(verifyShareGrant('garbage', secret)).toBeUndefined();
  });

  it('are no console session, and a console session is no grant', () => {
    const { grant } = issueShareGrant(link, secret);
    expect(verifySessionToken(grant, secret)).toBeUndefined();
    const session = issueSessionToken({ user_id: link.link_id, email: 'a@example.com' }, secret);
    expect(verifyShareGrant(session, secret)).toBeUndefined();
    // A body that would pass as a grant, signed as a session (the payload alone), is refused too.
    const payload = Buffer.from(JSON.stringify({ ...link, exp: Date.now() + 60_000 })).toString('base64url');
    const asSession = createHmac('sha256', secret).update(payload).digest('base64url');
    expect(verifyShareGrant(`${payload}.${asSession}`, secret)).toBeUndefined();
    // … and the same body signed for grants is accepted: the purpose is the only difference.
    const asGrant = createHmac('sha256', secret)
      .update(`eventlens.share-grant.${payload}`)
      .digest('base64url');
    expect(verifyShareGrant(`${payload}.${asGrant}`, secret)).toMatchObject(link);
  });

  it('need uuids for the link and the project', () => {
    const { grant } = issueShareGrant({ link_id: 'not-a-uuid', project_id: link.project_id }, secret);
    expect(verifyShareGrant(grant, secret)).toBeUndefined();
  });
});

describe('CreatePublicLink', () => {
  it('takes no password, or one of 8 to 200 characters, and nothing else', () => {
    expect(CreatePublicLink.parse({})).toEqual({});
    expect(CreatePublicLink.parse({ password: '12345678' })).toEqual({ password: '12345678' });
    expect(CreatePublicLink.safeParse({ password: '1234567' }).error?.issues[0]?.path).toEqual(['password']);
    expect(CreatePublicLink.safeParse({ password: 'x'.repeat(201) }).success).toBe(false);
    expect(CreatePublicLink.safeParse({ password: 'x'.repeat(200) }).success).toBe(true);
    expect(CreatePublicLink.safeParse({ pasword: '12345678' }).success).toBe(false);
  });
});
