/**
 * Who may run admin commands: a console user with a valid session cookie (verified with the
 * shared secret, and whose session id this instance has not seen revoked in the admin log) who
 * also sends the CSRF header, or a script with the admin token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CSRF_HEADER, SESSION_COOKIE, verifySessionToken, type ConsoleSession } from '@eventlens/contracts';
import type { Request, RequestHandler } from 'express';
import { HttpError } from '../errors';

export interface AdminAuthOptions {
  sessionSecret: string;
  /** When unset, only console sessions are accepted. */
  adminToken: string | undefined;
  now?: () => number;
  /** Whether a session id was revoked (the directory's answer); none are when unset. */
  isRevoked?: (sessionId: string) => boolean;
}

export interface AdminActor {
  /** The console user, or null for the admin token. */
  userId: string | null;
  /** The console session, or null for the admin token. */
  sessionId: string | null;
}

/**
 * The console session of a request: a cookie with a token signed with `secret`, unexpired, whose
 * session was not revoked. Undefined otherwise.
 */
export function consoleSessionOf(
  req: Request,
  options: Pick<AdminAuthOptions, 'sessionSecret' | 'isRevoked'> & { now: () => number },
): ConsoleSession | undefined {
  const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (cookie === undefined || cookie.length === 0 || cookie.length > 4096) return undefined;
  const session = verifySessionToken(cookie, options.sessionSecret, options.now());
  if (!session || options.isRevoked?.(session.sid)) return undefined;
  return session;
}

/** State-changing requests with a cookie session must send the CSRF header (any non-empty value). */
export function hasCsrfHeader(req: Request): boolean {
  const csrf = req.headers[CSRF_HEADER];
  return typeof csrf === 'string' && csrf.length > 0;
}

const ACTOR = Symbol('eventlens.admin.actor');

export function adminActor(req: Request): AdminActor {
  const actor = (req as Request & { [ACTOR]?: AdminActor })[ACTOR];
  if (!actor) throw new Error('adminActor() called on a route without adminAuth()');
  return actor;
}

export function adminAuth(options: AdminAuthOptions): RequestHandler {
  const now = options.now ?? Date.now;
  const tokenDigest = options.adminToken === undefined ? undefined : sha256(options.adminToken);
  return (req, _res, next) => {
    const set = (actor: AdminActor) => {
      (req as Request & { [ACTOR]?: AdminActor })[ACTOR] = actor;
      next();
    };
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
      // Compare digests: equal length, so timingSafeEqual leaks nothing about the token's length either.
      if (token !== undefined && tokenDigest !== undefined && timingSafeEqual(sha256(token), tokenDigest)) {
        return set({ userId: null, sessionId: null });
      }
      return next(new HttpError('UNAUTHORIZED', 'invalid admin token'));
    }
    const session = consoleSessionOf(req, { ...options, now });
    if (!session) {
      return next(new HttpError('UNAUTHORIZED', 'sign in to the console or send the admin token'));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && !hasCsrfHeader(req)) {
      return next(
        new HttpError('UNAUTHORIZED', `state-changing requests must send the ${CSRF_HEADER} header`),
      );
    }
    return set({ userId: session.user_id, sessionId: session.sid });
  };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0 || part.slice(0, index).trim() !== name) continue;
    let value = part.slice(index + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}
