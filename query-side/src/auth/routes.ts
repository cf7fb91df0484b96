/**
 * The console user and their sessions, as the read side knows them. Logging in and out are
 * commands (they record `ConsoleSessionStarted` / `ConsoleSessionRevoked` in the admin log), so
 * they live on the command side (`POST /v1/auth/login`, `/v1/auth/logout`,
 * `/v1/auth/sessions/{session_id}/revoke`); this side verifies the cookie they set, refuses
 * revoked sessions (`callers.ts`) and lists a user's active sessions from `console_sessions`.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { SESSION_COOKIE } from '@eventlens/contracts';
import type { ConsoleSessionsRow, ReaderTables } from '@eventlens/read-model';
import { defineRoute, type AnyRoute } from '../http/route';
import { Timestamp, Uuid, toIso, toIsoOrNull } from '../read-models/schemas';

export const Me = z.object({ user_id: Uuid, email: z.string() }).meta({ id: 'Me' });

export const ConsoleSessionItem = z
  .object({
    session_id: Uuid,
    started_at: Timestamp,
    expires_at: Timestamp,
    user_agent: z.string().nullable(),
    current: z.boolean().meta({ description: 'The session of this request.' }),
  })
  .meta({ id: 'ConsoleSession' });

export const ConsoleSessions = z
  .object({ items: z.array(ConsoleSessionItem) })
  .meta({ id: 'ConsoleSessions' });

/** At most this many sessions are listed (newest first). */
const MAX_LISTED = 100;

export interface AuthRoutesOptions {
  db: Knex;
  /** The read models' tables (under the schema prefix). */
  tables: ReaderTables;
  now: () => number;
}

/** Started sessions only (the query asks started_at not null), so their start and expiry are set. */
type SessionRow = Pick<ConsoleSessionsRow, 'session_id' | 'user_agent'> & {
  started_at: Date;
  expires_at: Date;
};

export function authRoutes(options: AuthRoutesOptions): AnyRoute[] {
  const { db, tables } = options;
  return [
    defineRoute({
      method: 'get',
      path: '/v1/auth/me',
      tag: 'auth',
      summary: 'The logged-in console user',
      description: `The user of the ${SESSION_COOKIE} cookie set by the command side's POST /v1/auth/login.`,
      auth: 'console',
      response: { status: 200, description: 'The session’s user.', schema: Me },
      handle: async ({ auth }) => ({
        user_id: auth.caller.session.user_id,
        email: auth.caller.session.email,
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/auth/sessions',
      tag: 'auth',
      summary: 'The console user’s active sessions',
      description:
        'Sessions of this user that are neither revoked nor expired, newest first (at most 100), the ' +
        'current one marked. A login of a moment ago appears once the admin projection has recorded it. ' +
        "Revoke one with the command side's POST /v1/auth/sessions/{session_id}/revoke.",
      auth: 'console',
      response: { status: 200, description: 'The active sessions.', schema: ConsoleSessions },
      async handle({ auth }) {
        const { session } = auth.caller;
        const rows = await db(tables.consoleSessions)
          .select<SessionRow[]>('session_id', 'started_at', 'expires_at', 'user_agent')
          .where({ user_id: session.user_id })
          .whereNull('revoked_at')
          .whereNotNull('started_at')
          .where('expires_at', '>', new Date(options.now()))
          .orderBy([
            { column: 'started_at', order: 'desc' },
            { column: 'session_id', order: 'desc' },
          ])
          .limit(MAX_LISTED);
        return {
          items: rows.map((r) => ({
            session_id: r.session_id,
            started_at: toIso(r.started_at),
            expires_at: toIsoOrNull(r.expires_at) ?? toIso(r.started_at),
            user_agent: r.user_agent,
            current: r.session_id === session.sid,
          })),
        };
      },
    }),
  ];
}
