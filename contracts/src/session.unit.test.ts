import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, issueSessionToken, verifySessionToken, writeKeyPattern } from './index';

const secret = 'test-secret-with-enough-entropy';
const user = { user_id: 'u1', email: 'a@example.com' };
const SID = '0b7e1f0e-2f7f-4c58-9d9c-0a8d2b6f1e11';

describe('console session tokens', () => {
  it('verifies a token it issued until it expires', () => {
    const now = 1_000_000;
    const token = issueSessionToken({ ...user, sid: SID }, secret, now, 60_000);
    expect(verifySessionToken(token, secret, now + 59_999)).toEqual({ ...user, sid: SID, exp: now + 60_000 });
    expect(verifySessionToken(token, secret, now + 60_000)).toBeUndefined();
  });

  it('rejects a token signed with another secret or altered in transit', () => {
    const token = issueSessionToken(user, secret);
    expect(verifySessionToken(token, 'another-secret')).toBeUndefined();
    const [payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...user, user_id: 'admin', exp: Date.now() + 1e9 })).toString(
      'base64url',
    );
    expect(verifySessionToken(`${forged}.${signature}`, secret)).toBeUndefined();
    expect(verifySessionToken(`${payload}.${signature}.x`, secret)).toBeUndefined();
    expect(verifySessionToken('garbage', secret)).toBeUndefined();
  });

  it('names a session in every token: a new id unless one is given', () => {
    const a = verifySessionToken(issueSessionToken(user, secret), secret)!;
    const b = verifySessionToken(issueSessionToken(user, secret), secret)!;
    expect(a.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.sid).not.toBe(b.sid);
  });

  it('rejects a correctly signed token without a session id (made before sessions were recorded)', () => {
    const payload = Buffer.from(JSON.stringify({ ...user, exp: Date.now() + 60_000 })).toString('base64url');
    const signature = createHmac('sha256', secret).update(payload).digest('base64url');
    expect(verifySessionToken(`${payload}.${signature}`, secret)).toBeUndefined();
  });
});

describe('API keys', () => {
  it('makes write keys the contracts accept and read keys that look different', () => {
    expect(generateApiKey('write')).toMatch(writeKeyPattern);
    expect(generateApiKey('read')).toMatch(/^elr_/);
    expect(generateApiKey('write')).not.toBe(generateApiKey('write'));
  });

  it('hashes keys to hex SHA-256', () => {
    expect(hashApiKey('el_x')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey('el_x')).toBe(hashApiKey('el_x'));
    expect(hashApiKey('el_x')).not.toBe(hashApiKey('el_y'));
  });
});
