/**
 * Console sessions: a signed, expiring token carried in an httpOnly cookie. Every token names its
 * session (`sid`). The command side issues it at login, after appending `ConsoleSessionStarted`
 * to the admin log; logging out (or revoking the session from another one) appends
 * `ConsoleSessionRevoked`. Both APIs verify the signature with the same secret and then refuse a
 * revoked session id: the command side from its in-memory directory of the admin log, the query
 * side from the `console_sessions` read model. No table is shared.
 *
 * State-changing requests must also carry the CSRF header (a custom header cannot be sent
 * cross-site without a CORS preflight, which the APIs refuse for credentialed origins).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'eventlens_session';
export const CSRF_HEADER = 'x-eventlens-csrf';
export const SESSION_TTL_MS = 12 * 3600 * 1000;
/** `user_agent` of ConsoleSessionStarted is cut to this many characters. */
export const USER_AGENT_MAX = 256;

export interface ConsoleSession {
  /** The session id: the `session_id` of its ConsoleSessionStarted / ConsoleSessionRevoked. */
  sid: string;
  user_id: string;
  email: string;
  /** Expiry, epoch milliseconds. */
  exp: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What a token signed with the session secret is for. Each purpose signs different bytes, so a token
 * of one is never accepted as a token of another (a public dashboard's grant is no console session,
 * and no console session is a grant): console sessions sign the payload alone (as every session
 * token issued before purposes existed), any other purpose signs `eventlens.<purpose>.` before it.
 * A payload is base64url, which holds no `.`, so no two purposes ever sign the same bytes.
 */
export type TokenPurpose = 'console-session' | 'share-grant';

function sign(payload: string, secret: string, purpose: TokenPurpose): string {
  const mac = createHmac('sha256', secret);
  if (purpose !== 'console-session') mac.update(`eventlens.${purpose}.`);
  return mac.update(payload).digest('base64url');
}

/** `<payload>.<signature>`: `body` as base64url JSON, signed with `secret` for `purpose`. */
export function signToken(body: object, secret: string, purpose: TokenPurpose): string {
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${payload}.${sign(payload, secret, purpose)}`;
}

/**
 * The JSON body of a token signed with `secret` for `purpose`, or undefined when it is malformed or
 * its signature is not that purpose's (compared in constant time). Its fields are the caller's check.
 */
export function verifiedTokenBody(token: string, secret: string, purpose: TokenPurpose): unknown {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(sign(payload, secret, purpose));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** A token for `session`; without a `sid`, a new random one (tests of routes that only verify). */
export function issueSessionToken(
  session: Omit<ConsoleSession, 'exp' | 'sid'> & { sid?: string },
  secret: string,
  now = Date.now(),
  ttlMs = SESSION_TTL_MS,
): string {
  const body: ConsoleSession = {
    sid: (session.sid ?? randomUUID()).toLowerCase(),
    user_id: session.user_id,
    email: session.email,
    exp: now + ttlMs,
  };
  return signToken(body, secret, 'console-session');
}

/**
 * The session, or undefined when the token is malformed, forged, expired or names no session
 * (tokens made before sessions had ids). Whether the session was revoked is the caller's check.
 */
export function verifySessionToken(
  token: string,
  secret: string,
  now = Date.now(),
): ConsoleSession | undefined {
  const body = verifiedTokenBody(token, secret, 'console-session');
  if (body === null || typeof body !== 'object') return undefined;
  const session = body as Partial<ConsoleSession>;
  if (typeof session.exp !== 'number' || session.exp <= now) return undefined;
  if (typeof session.user_id !== 'string' || typeof session.email !== 'string') return undefined;
  if (typeof session.sid !== 'string' || !UUID.test(session.sid)) return undefined;
  return { sid: session.sid, user_id: session.user_id, email: session.email, exp: session.exp };
}
