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
  hashPassword,
  issueSessionToken,
  verifyPassword,
} from '@eventlens/contracts';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { HttpError, validate } from '../errors';
import { APPEND_ERRORS, BODY_ERRORS, defineRoute, type RouteDoc } from '../http/openapi';
import { consoleSessionOf, hasCsrfHeader } from './auth';
import { decideRevokeSession, decideStartSession, type Decision } from './decide';
import type { KeyDirectory } from './directory';
import { createLoginThrottle, type LoginThrottle, type ThrottleOptions } from './throttle';
import { LoggedIn } from './views';

export const LoginBody = z.strictObject({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(200),
});

const SessionParams = z.object({ session_id: z.uuid() });

const CSRF_MISSING = `The ${CSRF_HEADER} header is missing (\`error.fields\` names it).`;

export const SESSION_ROUTES = {
  login: defineRoute({
    method: 'post',
    path: '/v1/auth/login',
    tag: 'auth',
    summary: 'Log in to the console',
    description:
      'Appends ConsoleSessionStarted, then sets the session cookie (httpOnly, SameSite=Strict, 12 h). Throttled per address and per (account, address); an account with recent failures waits up to 2 s before the answer.',
    security: [{ csrf: [] }],
    body: { schema: LoginBody, types: ['application/json'], limitBytes: 64 * 1024 },
    responses: {
      200: {
        description: 'Logged in.',
        schema: LoggedIn,
        headers: z.object({
          'Set-Cookie': z.string().meta({ description: `The session: \`${SESSION_COOKIE}=<token>\`.` }),
        }),
      },
    },
    errors: {
      ...BODY_ERRORS,
      INVALID_FIELD: `${BODY_ERRORS.INVALID_FIELD} ${CSRF_MISSING}`,
      UNAUTHORIZED: 'Wrong email or password.',
      RATE_LIMITED: 'Too many failed logins from this address, or for this account from it (Retry-After).',
      ...APPEND_ERRORS,
    },
  }),
  logout: defineRoute({
    method: 'post',
    path: '/v1/auth/logout',
    tag: 'auth',
    summary: 'Log out',
    description:
      'Revokes the current session (ConsoleSessionRevoked), if there is one, and clears the cookie.',
    security: [{ session: [], csrf: [] }, { csrf: [] }],
    responses: { 204: { description: 'Logged out; the cookie is cleared.' } },
    errors: { INVALID_FIELD: CSRF_MISSING, ...APPEND_ERRORS },
  }),
  revoke: defineRoute({
    method: 'post',
    path: '/v1/auth/sessions/{session_id}/revoke',
    tag: 'auth',
    summary: "Sign out one of the user's sessions",
    description:
      'Idempotent: a session already revoked answers 204 too. Revoking the current one clears its cookie.',
    security: [{ session: [], csrf: [] }],
    params: SessionParams,
    responses: { 204: { description: 'Revoked (ConsoleSessionRevoked appended), or already revoked.' } },
    errors: {
      INVALID_FIELD: CSRF_MISSING,
      UNAUTHORIZED: 'No console session, or one logged out or revoked.',
      NOT_FOUND: 'No such session of this user.',
      ...APPEND_ERRORS,
    },
  }),
} satisfies Record<string, RouteDoc>;

export interface SessionRoutesDeps {
  directory: KeyDirectory;
  sessionSecret: string;
  now: () => number;
  newId: () => string;
  /** Decides serially and appends (the admin router's commit). */
  run: <R>(decide: () => Decision<R>) => Promise<R>;
  /**
   * The admin router's step before a command: rejects while not ready (503), then has the directory
   * read the admin log to its end (a user registered through another instance a moment ago).
   */
  ready: () => Promise<void>;
  throttle?: LoginThrottle | ThrottleOptions;
  /** `auto`: Secure when the request came over https (req.secure honours `trust proxy`). */
  cookieSecure?: 'auto' | 'always' | 'never';
  /** Waits before answering a throttled account; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
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

  const login: RequestHandler = async (req, res: Response) => {
    requireCsrf(req);
    const body = validate(LoginBody, req.body);
    await deps.ready();
    const email = body.email.toLowerCase();
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const decision = throttle.check(email, address);
    if (decision.kind === 'refuse') {
      // Which limit it is: a user locked out of one account may still log in to another.
      const what =
        decision.reason === 'address'
          ? 'too many failed logins from this address'
          : 'too many failed logins to this account from this address';
      throw new HttpError('RATE_LIMITED', `${what}: try again later`, {
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
    const answer: LoggedIn = { user_id: user.user_id, email: user.email };
    res.set('Cache-Control', 'no-store').json(answer);
  };

  const logout: RequestHandler = async (req, res) => {
    requireCsrf(req);
    const session = current(req);
    if (session) {
      await deps.ready();
      await deps.run(() => decideRevokeSession(deps.directory, session.sid, session, deps));
    }
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.status(204).end();
  };

  const revoke: RequestHandler = async (req, res) => {
    const session = current(req);
    if (!session) throw new HttpError('UNAUTHORIZED', 'sign in to the console');
    requireCsrf(req);
    const raw = req.params.session_id;
    const id = typeof raw === 'string' ? raw.toLowerCase() : '';
    if (!SessionParams.shape.session_id.safeParse(id).success) {
      throw new HttpError('NOT_FOUND', 'no such session');
    }
    await deps.ready();
    await deps.run(() => decideRevokeSession(deps.directory, id, session, deps));
    if (id === session.sid) res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.status(204).end();
  };

  return { login, logout, revoke };
}
