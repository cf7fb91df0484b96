/**
 * Who is calling, and which project they may read (invariant 5).
 *
 * - A read key (`Authorization: Bearer …`) reads exactly its project. Lookups are cached for at
 *   most `cacheTtlMs` (≤ 1 s), so a revoked key stops working within a second.
 * - A console session (the `eventlens_session` cookie) belongs to an admin of this self-hosted
 *   install: it may read any existing project, named by `project_id` or `X-EventLens-Project`.
 *   Its token names a session id; a session the admin projection has recorded as revoked
 *   (`console_sessions.revoked_at`) is a 401 on every route. The lookup is by primary key and
 *   cached for at most `sessionCacheTtlMs` (≤ 500 ms), so a logout is refused here within the
 *   projection's lag plus half a second. A session not recorded yet (a login a moment ago) passes.
 *
 * - A public dashboard's grant (`Authorization: Share …`, from POST /v1/share/session; share.ts)
 *   reads its link's project, and only on the routes of SHARE_ROUTES (http/route.ts answers 403 on
 *   any other). Its signature and expiry are checked first, then that the link is not revoked
 *   (`public_links.revoked_at`), a lookup by primary key cached for at most `cacheTtlMs` (≤ 1 s) as
 *   keys are: a revoked link stops within a second, a grant in hand included.
 *
 * A project the caller may not read, or that does not exist, is a 404: existence never leaks.
 */
import type { Request } from 'express';
import type { Knex } from 'knex';
import {
  hashApiKey,
  SESSION_COOKIE,
  SHARE_AUTH_SCHEME,
  verifySessionToken,
  verifyShareGrant,
  writeKeyPattern,
  type ConsoleSession,
} from '@eventlens/contracts';
import type { ReaderTables } from '@eventlens/read-model';
import { invalidField, notFound, unauthorized } from '../http/errors';
import { shareGrantOf } from './share-access';

export type Caller =
  | { kind: 'read_key'; projectId: string }
  | { kind: 'console'; session: ConsoleSession }
  /** A public dashboard link's grant: its project, on the routes of SHARE_ROUTES only. */
  | { kind: 'share'; projectId: string; linkId: string };

/** The one project a read key or a grant may read; undefined for a console session (any project). */
export function boundProject(caller: Caller): string | undefined {
  return caller.kind === 'console' ? undefined : caller.projectId;
}

export const PROJECT_HEADER = 'x-eventlens-project';

export interface CallersOptions {
  db: Knex;
  /** The read models' tables (under the schema prefix). */
  tables: ReaderTables;
  sessionSecret: string;
  now: () => number;
  /** How long a key or project lookup is reused; at most 1000 ms. */
  cacheTtlMs?: number;
  /** How long a session's revocation lookup is reused; at most 500 ms (default 250). */
  sessionCacheTtlMs?: number;
  maxCacheEntries?: number;
}

export interface Callers {
  /** The caller of `req`, or a 401. */
  authenticate(req: Request): Promise<Caller>;
  /** The project `caller` reads for this request (`requested` from the query or the header), or a 404. */
  projectOf(caller: Caller, requested: string | undefined): Promise<string>;
  /** The console session of `req`, or undefined (no cookie, forged, expired or revoked). */
  session(req: Request): Promise<ConsoleSession | undefined>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A small TTL cache: bounded, and every answer (a hit or a miss) expires. */
function ttlCache<V>(ttlMs: number, maxEntries: number, now: () => number) {
  const entries = new Map<string, { value: V; expiresAt: number }>();
  return {
    get(key: string): { value: V } | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return { value: entry.value };
    },
    set(key: string, value: V): void {
      if (ttlMs <= 0) return;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, expiresAt: now() + ttlMs });
    },
  };
}

export function createCallers(options: CallersOptions): Callers {
  const { db, tables, sessionSecret, now } = options;
  const ttl = Math.min(options.cacheTtlMs ?? 1000, 1000);
  const max = options.maxCacheEntries ?? 10_000;
  const keys = ttlCache<string | null>(ttl, max, now);
  const projects = ttlCache<boolean>(ttl, max, now);
  const revocations = ttlCache<boolean>(Math.min(options.sessionCacheTtlMs ?? 250, 500), max, now);
  const liveLinks = ttlCache<boolean>(ttl, max, now);

  /** Whether the link is known, of `projectId`, and not revoked. */
  async function linkIsLive(linkId: string, projectId: string): Promise<boolean> {
    const cacheKey = `${linkId}|${projectId}`;
    const cached = liveLinks.get(cacheKey);
    if (cached) return cached.value;
    const row = await db(tables.publicLinks)
      .first('link_id')
      .where({ link_id: linkId, project_id: projectId })
      .whereNull('revoked_at');
    liveLinks.set(cacheKey, row !== undefined);
    return row !== undefined;
  }

  async function projectOfKey(key: string): Promise<string | null> {
    const hash = hashApiKey(key);
    const cached = keys.get(hash);
    if (cached) return cached.value;
    const row = await db(tables.apiKeys)
      .first<{ project_id: string } | undefined>('project_id')
      .where({ key_hash: hash, kind: 'read' })
      .whereNull('revoked_at');
    const projectId = row?.project_id ?? null;
    keys.set(hash, projectId);
    return projectId;
  }

  async function projectExists(projectId: string): Promise<boolean> {
    const cached = projects.get(projectId);
    if (cached) return cached.value;
    const row = await db(tables.projects).first('project_id').where({ project_id: projectId });
    projects.set(projectId, row !== undefined);
    return row !== undefined;
  }

  async function isRevoked(sessionId: string): Promise<boolean> {
    const cached = revocations.get(sessionId);
    if (cached) return cached.value;
    const row = await db(tables.consoleSessions)
      .first<{ revoked: boolean } | undefined>(db.raw('revoked_at is not null as revoked'))
      .where({ session_id: sessionId });
    const revoked = row?.revoked === true;
    revocations.set(sessionId, revoked);
    return revoked;
  }

  async function session(req: Request): Promise<ConsoleSession | undefined> {
    const token: unknown = req.cookies?.[SESSION_COOKIE];
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) return undefined;
    const verified = verifySessionToken(token, sessionSecret, now());
    if (!verified || (await isRevoked(verified.sid))) return undefined;
    return verified;
  }

  return {
    session,

    async authenticate(req) {
      const header = req.get('authorization');
      if (header !== undefined) {
        // An Authorization header is answered on its own merits: no falling back to the cookie.
        const grant = shareGrantOf(header);
        if (grant !== undefined) {
          const verified = verifyShareGrant(grant, sessionSecret, now());
          if (!verified) throw unauthorized('public dashboard grant expired or invalid: open the link again');
          if (!(await linkIsLive(verified.link_id, verified.project_id)))
            throw unauthorized('this public dashboard link was revoked');
          return { kind: 'share', projectId: verified.project_id, linkId: verified.link_id };
        }
        const match = /^Bearer +(\S{1,256})\s*$/i.exec(header);
        if (!match)
          throw unauthorized(
            `Authorization must be "Bearer <read key>" (or "${SHARE_AUTH_SCHEME} <grant>" of a public dashboard)`,
          );
        // A key of the write keys' form (el_…, public: it sits in web pages) never reads; say so
        // rather than "unknown".
        if (writeKeyPattern.test(match[1]!))
          throw unauthorized(
            'this is a write key (el_…), which only sends events: the Stats and read APIs take a read key (elr_…), issued with kind "read"',
          );
        const projectId = await projectOfKey(match[1]!);
        if (!projectId)
          throw unauthorized(
            'unknown or revoked read key (one issued in the last second or two may not be known yet: retry)',
          );
        return { kind: 'read_key', projectId };
      }
      const s = await session(req);
      if (s) return { kind: 'console', session: s };
      if (req.cookies?.[SESSION_COOKIE] !== undefined)
        throw unauthorized('session expired, revoked or invalid: log in again');
      throw unauthorized('send "Authorization: Bearer <read key>" or log in to the console');
    },

    async projectOf(caller, requested) {
      if (requested !== undefined && !UUID.test(requested)) {
        throw invalidField('project_id', 'must be a project id (UUID)');
      }
      const bound = boundProject(caller);
      if (bound !== undefined) {
        // A key (or a grant) reads its own project; naming another one is asking for data it cannot see.
        if (requested !== undefined && requested.toLowerCase() !== bound.toLowerCase()) {
          throw notFound('project');
        }
        return bound;
      }
      if (requested === undefined) {
        throw invalidField(
          'project_id',
          `is required with a console session (query parameter project_id or header ${PROJECT_HEADER})`,
        );
      }
      const projectId = requested.toLowerCase();
      if (!(await projectExists(projectId))) throw notFound('project');
      return projectId;
    },
  };
}
