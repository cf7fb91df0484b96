import { issueSessionToken, SESSION_COOKIE } from '@eventlens/contracts';
import { TEST_SECRET } from './server';

/** A console session cookie header, as login would set it (a new session id unless `user.sid` names one). */
export function sessionCookie(
  user: { user_id: string; email: string; sid?: string } = {
    user_id: '4b0e9f7e-4d6c-4a3a-9d55-1c1f0f2f8a01',
    email: 'admin@example.test',
  },
  now = Date.now(),
) {
  return `${SESSION_COOKIE}=${issueSessionToken(user, TEST_SECRET, now)}`;
}

/** `name=value` of a Set-Cookie header, and its attributes lower-cased. */
export function parseSetCookie(header: string | null) {
  if (!header) return undefined;
  const [pair, ...attributes] = header.split(';').map((s) => s.trim());
  return { pair: pair!, attributes: attributes.map((a) => a.toLowerCase()) };
}
