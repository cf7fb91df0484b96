/**
 * Console login. The session is a signed token (contracts' `issueSessionToken`) in an httpOnly,
 * SameSite=Strict cookie, so the command side verifies it with the same secret and no shared
 * table. Login and logout change state, so like every state-changing request they must carry
 * the CSRF header: a cross-site form cannot set a custom header.
 */
import type { CookieOptions, Request } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import {
  CSRF_HEADER,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  hashPassword,
  issueSessionToken,
  verifyPassword,
} from '@eventlens/contracts';
import { TABLES } from '../db';
import { ApiError, invalidField, unauthorized } from '../http/errors';
import { defineRoute, type AnyRoute } from '../http/route';
import { Uuid } from '../read-models/schemas';
import type { LoginThrottle } from './throttle';

export const LoginBody = z
  .strictObject({
    email: z.string().trim().min(1).max(254),
    password: z.string().min(1).max(200),
  })
  .meta({ id: 'LoginRequest' });

export const Me = z.object({ user_id: Uuid, email: z.string() }).meta({ id: 'Me' });

export interface AuthRoutesOptions {
  db: Knex;
  sessionSecret: string;
  throttle: LoginThrottle;
  now: () => number;
  /** `auto`: Secure when the request came over https (req.secure honours `trust proxy`). */
  cookieSecure: 'auto' | 'always' | 'never';
}

function requireCsrfHeader(req: Request): void {
  if (!req.get(CSRF_HEADER)) {
    throw invalidField(CSRF_HEADER, 'header is required on state-changing requests (any non-empty value)');
  }
}

export function authRoutes(options: AuthRoutesOptions): AnyRoute[] {
  const { db, throttle } = options;
  // Compared against when the email is unknown, so both failures take the same time.
  let decoy: Promise<string> | undefined;
  const decoyHash = () => (decoy ??= hashPassword('not a password of anyone'));

  const cookieOptions = (req: Request): CookieOptions => ({
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: options.cookieSecure === 'always' || (options.cookieSecure === 'auto' && req.secure),
  });

  return [
    defineRoute({
      method: 'post',
      path: '/v1/auth/login',
      tag: 'auth',
      summary: 'Log in to the console',
      description:
        `Sets the ${SESSION_COOKIE} cookie (httpOnly, SameSite=Strict, Path=/, Secure behind https). ` +
        `Requires the ${CSRF_HEADER} header. Repeated failures per email or address answer 429 with Retry-After.`,
      auth: 'public',
      body: LoginBody,
      response: { status: 200, description: 'Logged in.', schema: Me },
      errors: {
        401: 'Wrong email or password.',
        413: 'Body too large.',
        415: 'Body is not application/json.',
        429: 'Too many failed logins for this email or address (Retry-After).',
      },
      async handle({ body, req, res }) {
        requireCsrfHeader(req);
        const email = body.email.toLowerCase();
        const address = req.ip ?? 'unknown';
        const wait = throttle.blockedFor(email, address);
        if (wait !== undefined) {
          throw new ApiError(429, 'RATE_LIMITED', 'too many failed logins: try again later', undefined, wait);
        }
        const user = await db(TABLES.users)
          .first<{ user_id: string; email: string; password_hash: string } | undefined>(
            'user_id',
            'email',
            'password_hash',
          )
          .where('email', email);
        const ok = await verifyPassword(body.password, user?.password_hash ?? (await decoyHash()));
        if (!user || !ok) {
          throttle.recordFailure(email, address);
          throw unauthorized('wrong email or password');
        }
        throttle.recordSuccess(email);
        const token = issueSessionToken(
          { user_id: user.user_id, email: user.email },
          options.sessionSecret,
          options.now(),
        );
        res.cookie(SESSION_COOKIE, token, { ...cookieOptions(req), maxAge: SESSION_TTL_MS });
        return { user_id: user.user_id, email: user.email };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/logout',
      tag: 'auth',
      summary: 'Log out of the console',
      description: `Clears the session cookie; answers 204 whether or not a session was open. Requires the ${CSRF_HEADER} header.`,
      auth: 'public',
      response: { status: 204, description: 'Logged out.' },
      errors: { 400: `The ${CSRF_HEADER} header is missing.` },
      async handle({ req, res }) {
        requireCsrfHeader(req);
        res.clearCookie(SESSION_COOKIE, cookieOptions(req));
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/auth/me',
      tag: 'auth',
      summary: 'The logged-in console user',
      auth: 'console',
      response: { status: 200, description: 'The session’s user.', schema: Me },
      handle: async ({ auth }) => ({
        user_id: auth.caller.session.user_id,
        email: auth.caller.session.email,
      }),
    }),
  ];
}
