/**
 * Console sessions: a signed, expiring token carried in an httpOnly cookie. The query side issues
 * it at login and the command side verifies it for admin commands, with the same secret and no
 * shared table. State-changing requests must also carry the CSRF header (a custom header cannot
 * be sent cross-site without a CORS preflight, which the APIs refuse for credentialed origins).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'eventlens_session';
export const CSRF_HEADER = 'x-eventlens-csrf';
export const SESSION_TTL_MS = 12 * 3600 * 1000;

export interface ConsoleSession {
  user_id: string;
  email: string;
  /** Expiry, epoch milliseconds. */
  exp: number;
}

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

export function issueSessionToken(
  session: Omit<ConsoleSession, 'exp'>,
  secret: string,
  now = Date.now(),
  ttlMs = SESSION_TTL_MS,
): string {
  const payload = Buffer.from(JSON.stringify({ ...session, exp: now + ttlMs })).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

/** The session, or undefined when the token is malformed, forged or expired. */
export function verifySessionToken(
  token: string,
  secret: string,
  now = Date.now(),
): ConsoleSession | undefined {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as ConsoleSession;
    if (typeof session.exp !== 'number' || session.exp <= now) return undefined;
    if (typeof session.user_id !== 'string' || typeof session.email !== 'string') return undefined;
    return session;
  } catch {
    return undefined;
  }
}
