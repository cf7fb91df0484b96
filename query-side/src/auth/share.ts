/**
 * Public dashboard links on the read side (docs/DESIGN.md, "Keys and sessions"; contracts'
 * share.ts). A project's admin creates a link on the command side (`els_…`, shown once); whoever
 * holds it opens `/share/<token>` in the console, which exchanges the token here for a grant:
 *
 *   POST /v1/share/session {token, password?}  →  {grant, project_id, expires_at}
 *
 * The grant is short-lived and signed with the session secret for a purpose of its own (never a
 * console session, nor a session a grant). Requests send it as `Authorization: Share <grant>` and may
 * call only the routes of SHARE_ROUTES — the dashboard's reports (the Stats API and its funnel) and
 * the project's settings (its default zone) — for the link's project; every other route answers 403.
 * Each request checks that the link is still not revoked (callers.ts, cached ≤ 1 s), so a revoked
 * link stops within a second even for a grant in hand.
 *
 * Password attempts are throttled as console logins are (command-side/src/admin/throttle.ts), so a
 * stranger can never lock a link's viewers out: wrong passwords from one address (any links), and
 * from one address against one link, are refused with 429 past a bound in a window; wrong passwords
 * against a link from anywhere only delay its answers a little (doubling, bounded), never refuse.
 * In memory, per instance (rate-limiter-flexible's RateLimiterMemory).
 */
import type { Request } from 'express';
import type { Knex } from 'knex';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { z } from 'zod';
import {
  LIMITS,
  SHARE_AUTH_SCHEME,
  SHARE_TOKEN_PATTERN,
  hashShareToken,
  issueShareGrant,
  verifyPassword,
  verifyShareGrant,
} from '@eventlens/contracts';
import type { PublicLinksRow, ReaderTables } from '@eventlens/read-model';
import { ApiError, notFound } from '../http/errors';
import { defineRoute, type AnyRoute } from '../http/route';
import { shareGrantOf } from './share-access';
import { Timestamp, Uuid, toIso, toIsoOrNull } from '../read-models/schemas';

export interface ShareThrottleOptions {
  /** Wrong passwords from one address, any links, within the window before it is refused (default 20). */
  maxPerAddress?: number;
  /** Wrong passwords against one link from one address within the window before that pair is refused (default 5). */
  maxPerLinkAddress?: number;
  /** Wrong passwords against a link (any address) answered without delay (default 3). */
  freeFailures?: number;
  /** First delay past the free failures, doubled per failure (default 100 ms). */
  baseDelayMs?: number;
  /** The longest delay (default 2000 ms). */
  maxDelayMs?: number;
  /** The window, seconds (default 900). */
  windowS?: number;
}

type Throttled = { kind: 'refuse'; retryAfterS: number } | { kind: 'proceed'; delayMs: number };

/** The password throttle of public links (see the module's comment). */
export function createShareThrottle(options: ShareThrottleOptions = {}) {
  const windowS = options.windowS ?? 900;
  const maxPerAddress = options.maxPerAddress ?? 20;
  const maxPerPair = options.maxPerLinkAddress ?? 5;
  const freeFailures = options.freeFailures ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 2000;
  const byAddress = new RateLimiterMemory({
    keyPrefix: 'share-address',
    points: maxPerAddress,
    duration: windowS,
  });
  const byPair = new RateLimiterMemory({ keyPrefix: 'share-pair', points: maxPerPair, duration: windowS });
  // Counted, never refused: `points` only bounds the count kept.
  const byLink = new RateLimiterMemory({ keyPrefix: 'share-link', points: 1_000_000, duration: windowS });
  const pair = (link: string, address: string) => `${link}|${address}`;
  const retryAfter = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

  return {
    async check(link: string, address: string): Promise<Throttled> {
      const [a, p, l] = await Promise.all([
        byAddress.get(address),
        byPair.get(pair(link, address)),
        byLink.get(link),
      ]);
      if (a && a.consumedPoints >= maxPerAddress)
        return { kind: 'refuse', retryAfterS: retryAfter(a.msBeforeNext) };
      if (p && p.consumedPoints >= maxPerPair)
        return { kind: 'refuse', retryAfterS: retryAfter(p.msBeforeNext) };
      const failures = l?.consumedPoints ?? 0;
      const over = failures - freeFailures;
      return { kind: 'proceed', delayMs: over < 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * 2 ** over) };
    },
    async failed(link: string, address: string): Promise<void> {
      await Promise.all([
        byAddress.penalty(address, 1),
        byPair.penalty(pair(link, address), 1),
        byLink.penalty(link, 1),
      ]);
    },
    async succeeded(link: string, address: string): Promise<void> {
      await Promise.all([byPair.delete(pair(link, address)), byLink.delete(link)]);
    },
  };
}
export type ShareThrottle = ReturnType<typeof createShareThrottle>;

export const ShareSessionRequest = z
  .strictObject({
    token: z
      .string()
      .regex(SHARE_TOKEN_PATTERN, 'must be a public link token: els_ followed by its characters'),
    password: z.string().min(1).max(LIMITS.passwordMaxLength).optional().meta({
      description: 'The link’s password, when it has one.',
    }),
  })
  .meta({ id: 'ShareSessionRequest' });

export const ShareSession = z
  .object({
    grant: z.string().meta({
      description: `Send it as \`Authorization: ${SHARE_AUTH_SCHEME} <grant>\` to the dashboard's routes until it expires.`,
    }),
    project_id: Uuid.meta({ description: 'The project whose dashboard the link shows.' }),
    link_id: Uuid,
    expires_at: Timestamp.meta({ description: 'When the grant stops being accepted (an hour from now).' }),
  })
  .meta({ id: 'ShareSession' });

export const PublicLink = z
  .object({
    link_id: Uuid,
    token_prefix: z.string().meta({ description: 'The first characters of its token, to recognise it.' }),
    has_password: z.boolean(),
    created_at: Timestamp,
    created_by: z
      .string()
      .nullable()
      .meta({ description: 'The console user who created it; null: the admin token.' }),
    revoked_at: Timestamp.nullable(),
  })
  .meta({ id: 'PublicLink' });
export const PublicLinks = z.object({ items: z.array(PublicLink) }).meta({ id: 'PublicLinks' });

export interface ShareRoutesOptions {
  db: Knex;
  tables: ReaderTables;
  sessionSecret: string;
  now: () => number;
  throttle: ShareThrottle;
  /** How a throttled exchange waits before it is answered; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
}

type LinkRow = Pick<PublicLinksRow, 'link_id' | 'project_id' | 'password_hash' | 'revoked_at'>;

const passwordField = (message: string) =>
  new ApiError(401, 'UNAUTHORIZED', `password: ${message}`, [{ field: 'password', message }]);

export function shareRoutes(options: ShareRoutesOptions): AnyRoute[] {
  const { db, tables, sessionSecret, now, throttle } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  /** A grant this request carries for `link`, still valid: it renews without the password. */
  function renewing(req: Request, link: LinkRow): boolean {
    const grant = shareGrantOf(req.get('authorization'));
    const verified = grant === undefined ? undefined : verifyShareGrant(grant, sessionSecret, now());
    return verified?.link_id === link.link_id && verified.project_id === link.project_id;
  }

  return [
    defineRoute({
      method: 'post',
      path: '/v1/share/session',
      tag: 'share',
      summary: 'Exchange a public dashboard link for a grant',
      description:
        `The token of a link made with the command side's POST /v1/admin/projects/{project_id}/public-links, and its password when it has one, for a grant of an hour: send it as \`Authorization: ${SHARE_AUTH_SCHEME} <grant>\` to POST /api/v2/query, POST /api/v2/funnel and GET /v1/projects/{project_id}/time-zone of that project, and to nothing else (403). ` +
        'A request that already carries a valid grant of the link renews it without the password. ' +
        'A link without a password needs none. 401 names `password` when one is needed or wrong; wrong passwords are throttled per address and per link and address (429 with Retry-After), and slowed per link.',
      auth: 'public',
      body: ShareSessionRequest,
      errors: {
        401: 'The link has a password and none was sent, or a wrong one: `error.fields` names `password`.',
        404: 'No link has this token, or it was revoked; the message says which.',
        429: 'Too many wrong passwords from this address (Retry-After).',
      },
      response: { status: 200, description: 'A grant for the link’s dashboard.', schema: ShareSession },
      async handle({ body, req }) {
        const link = await db(tables.publicLinks)
          .first<LinkRow | undefined>('link_id', 'project_id', 'password_hash', 'revoked_at')
          .where('token_hash', hashShareToken(body.token));
        if (!link) throw new ApiError(404, 'NOT_FOUND', 'no public link has this token');
        if (link.revoked_at !== null) throw new ApiError(404, 'NOT_FOUND', 'this public link was revoked');
        if (link.password_hash !== null && !renewing(req, link)) {
          if (body.password === undefined) throw passwordField('this link needs its password');
          const address = req.ip ?? 'unknown';
          const decision = await throttle.check(link.link_id, address);
          if (decision.kind === 'refuse') {
            throw new ApiError(
              429,
              'RATE_LIMITED',
              `too many wrong passwords: try again in ${decision.retryAfterS} s`,
              undefined,
              decision.retryAfterS,
            );
          }
          if (decision.delayMs > 0) await sleep(decision.delayMs);
          if (!(await verifyPassword(body.password, link.password_hash))) {
            await throttle.failed(link.link_id, address);
            throw passwordField('wrong password for this link');
          }
          await throttle.succeeded(link.link_id, address);
        }
        const { grant, expires_at } = issueShareGrant(link, sessionSecret, now());
        return {
          grant,
          project_id: link.project_id,
          link_id: link.link_id,
          expires_at: new Date(expires_at).toISOString(),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/projects/{project_id}/public-links',
      tag: 'projects',
      summary: "A project's public dashboard links (never their tokens, hashes or passwords)",
      description:
        "Console sessions only; newest first, revoked links included. Created and revoked with the command side's POST and DELETE /v1/admin/projects/{project_id}/public-links.",
      auth: 'console',
      params: z.strictObject({ project_id: Uuid.meta({ description: 'The project id.' }) }),
      response: { status: 200, description: 'The links.', schema: PublicLinks },
      async handle({ params }) {
        const project = await db(tables.projects).first('project_id').where('project_id', params.project_id);
        if (!project) throw notFound('project');
        const rows = await db(tables.publicLinks)
          .select<
            Array<
              Pick<
                PublicLinksRow,
                'link_id' | 'token_prefix' | 'created_at' | 'created_by' | 'revoked_at'
              > & {
                has_password: boolean;
              }
            >
          >(
            'link_id',
            'token_prefix',
            db.raw('password_hash is not null as has_password'),
            'created_at',
            'created_by',
            'revoked_at',
          )
          .where('project_id', params.project_id)
          .orderBy([
            { column: 'created_at', order: 'desc' },
            { column: 'link_id', order: 'desc' },
          ]);
        return {
          items: rows.map((r) => ({
            ...r,
            created_at: toIso(r.created_at),
            revoked_at: toIsoOrNull(r.revoked_at),
          })),
        };
      },
    }),
  ];
}
