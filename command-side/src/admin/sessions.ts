/**
 * Console sessions, event-sourced like every other admin fact: logging in appends
 * `ConsoleSessionStarted` and sets the cookie (a signed token naming the session); logging out,
 * or revoking one of the user's other sessions, appends `ConsoleSessionRevoked`. The directory
 * applies both once Kafka acknowledges them, so this instance refuses a revoked session at once,
 * other instances within their tail's delay, and the query side once the admin projection has
 * written `console_sessions`.
 *
 * Login is throttled per address, per (account, address) and with a bounded delay per account
 * (`throttle.ts`); the address is `req.ip`, which honours only the configured trusted proxies.
 * Every route here changes state, so each needs the CSRF header: a cross-site form cannot set it.
 */
import {
  CSRF_HEADER,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  USER_AGENT_MAX,
  hashPassword,
  issueSessionToken,
  verifyPassword,
  type AnyEvent,
  type ConsoleSession,
} from '@eventlens/contracts';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { HttpError, validate } from '../errors';
import { consoleSessionOf, hasCsrfHeader } from './auth';
import type { Decision } from './decide';
import type { KeyDirectory } from './directory';
import { createLoginThrottle, type LoginThrottle, type ThrottleOptions } from './throttle';

export const LoginBody = z.strictObject({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(200),
});

export interface SessionRoutesDeps {
  directory: KeyDirectory;
  sessionSecret: string;
  now: () => number;
  newId: () => string;
  /** Decides serially and appends (the admin router's commit). */
  run: <R>(decide: () => Decision<R>) => Promise<R>;
  notReady: () => HttpError | undefined;
  throttle?: LoginThrottle | ThrottleOptions;
  /** `auto`: Secure when the request came over https (req.secure honours `trust proxy`). */
  cookieSecure?: 'auto' | 'always' | 'never';
  /** Waits before answering a throttled account; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
}

export interface SessionView {
  user_id: string;
  email: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isThrottle(value: SessionRoutesDeps['throttle']): value is LoginThrottle {
  return typeof (value as LoginThrottle | undefined)?.check === 'function';
}

function requireCsrf(req: Request): void {
  if (!hasCsrfHeader(req)) {
    throw new HttpError('INVALID_FIELD', `${CSRF_HEADER}: header is required on state-changing requests`, {
      fields: [
        {
          field: CSRF_HEADER,
          message: 'header is required on state-changing requests (any non-empty value)',
        },
      ],
    });
  }
}

export function decideStartSession(
  user: { user_id: string },
  userAgent: string | undefined,
  deps: { now(): number; newId(): string },
): Decision<{ session_id: string; started_at: number }> {
  const session_id = deps.newId().toLowerCase();
  const started_at = deps.now();
  const event: AnyEvent = {
    type: 'ConsoleSessionStarted',
    value: {
      session_id,
      user_id: user.user_id,
      started_at,
      expires_at: started_at + SESSION_TTL_MS,
      user_agent: userAgent ? userAgent.slice(0, USER_AGENT_MAX) : null,
    },
  };
  return { kind: 'append', key: user.user_id, event, response: { session_id, started_at } };
}

/**
 * Revoking a session of `actor`'s user: idempotent (a revoked one answers the same, with nothing
 * appended); a session of another user, or one this instance does not know, is not found.
 */
export function decideRevokeSession(
  directory: KeyDirectory,
  sessionId: string,
  actor: Pick<ConsoleSession, 'sid' | 'user_id'>,
  deps: { now(): number },
): Decision<null> {
  const known = directory.session(sessionId);
  const own = sessionId === actor.sid;
  if (!own && (!known || known.user_id !== actor.user_id)) {
    return { kind: 'refuse', error: new HttpError('NOT_FOUND', `no session ${sessionId} of this user`) };
  }
  if (directory.sessionRevoked(sessionId)) return { kind: 'nothing-to-do', response: null };
  return {
    kind: 'append',
    key: actor.user_id,
    event: {
      type: 'ConsoleSessionRevoked',
      value: { session_id: sessionId, user_id: actor.user_id, revoked_at: deps.now(), revoked_by: actor.sid },
    },
    response: null,
  };
}

export function sessionRoutes(deps: SessionRoutesDeps) {
  const throttle = isThrottle(deps.throttle)
    ? deps.throttle
    : createLoginThrottle({ now: deps.now, ...deps.throttle });
  const sleep = deps.sleep ?? defaultSleep;
  const current = (req: Request) =>
    consoleSessionOf(req, {
      sessionSecret: deps.sessionSecret,
      now: deps.now,
      isRevoked: (sid) => deps.directory.sessionRevoked(sid),
    });
  // Compared against when the email is unknown, so both failures take the same time.
  let decoy: Promise<string> | undefined;
  const decoyHash = () => (decoy ??= hashPassword('not a password of anyone'));

  const cookieOptions = (req: Request): CookieOptions => ({
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: deps.cookieSecure === 'always' || ((deps.cookieSecure ?? 'auto') === 'auto' && req.secure),
  });
  const ensureReady = () => {
    const error = deps.notReady();
    if (error) throw error;
  };

  const login: RequestHandler = async (req, res: Response) => {
    requireCsrf(req);
    const body = validate(LoginBody, req.body);
    ensureReady();
    const email = body.email.toLowerCase();
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const decision = throttle.check(email, address);
    if (decision.kind === 'refuse') {
      throw new HttpError('RATE_LIMITED', 'too many failed logins from this address: try again later', {
        retryAfterS: decision.retryAfterS,
      });
    }
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    const user = deps.directory.userByEmail(email);
    const ok = await verifyPassword(body.password, user?.password_hash ?? (await decoyHash()));
    if (!user || !ok) {
      throttle.recordFailure(email, address);
      throw new HttpError('UNAUTHORIZED', 'wrong email or password');
    }
    throttle.recordSuccess(email, address);
    const started = await deps.run(() => decideStartSession(user, req.get('user-agent'), deps));
    const token = issueSessionToken(
      { sid: started.session_id, user_id: user.user_id, email: user.email },
      deps.sessionSecret,
      started.started_at,
    );
    res.cookie(SESSION_COOKIE, token, { ...cookieOptions(req), maxAge: SESSION_TTL_MS });
    res
      .set('Cache-Control', 'no-store')
      .json({ user_id: user.user_id, email: user.email } satisfies SessionView);
  };

  const logout: RequestHandler = async (req, res) => {
    requireCsrf(req);
    const session = current(req);
    if (session) {
      ensureReady();
      await deps.run(() => decideRevokeSession(deps.directory, session.sid, session, deps));
    }
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.status(204).end();
  };

  const revoke: RequestHandler = async (req, res) => {
    const session = current(req);
    if (!session) throw new HttpError('UNAUTHORIZED', 'sign in to the console');
    requireCsrf(req);
    const raw = req.params.sessionId;
    const id = typeof raw === 'string' ? raw.toLowerCase() : '';
    if (!z.uuid().safeParse(id).success) throw new HttpError('NOT_FOUND', 'no such session');
    ensureReady();
    await deps.run(() => decideRevokeSession(deps.directory, id, session, deps));
    if (id === session.sid) res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.status(204).end();
  };

  return { login, logout, revoke };
}
