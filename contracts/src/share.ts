/**
 * Public dashboard links (docs/DESIGN.md, "Keys and sessions"): a project's dashboard shown
 * read-only to anyone holding a link `/share/<token>`, optionally behind a password, until the link
 * is revoked.
 *
 * - **The token** (`els_` and 32 base64url characters, 24 random bytes) is made by the command side
 *   and shown once, in the answer that creates the link. The log (`PublicLinkCreated`) and the read
 *   models hold its hex SHA-256 and its first characters only, as for API keys.
 * - **The grant**: the query side exchanges a token (and the link's password, when it has one) for a
 *   short-lived grant, a token signed with the session secret for the purpose `share-grant`
 *   (session.ts), so a grant is never accepted as a console session nor a session as a grant. It
 *   names the link and its project; requests send it as `Authorization: Share <grant>`, and the
 *   query side checks on each one that the link is still not revoked.
 */
import { randomBytes } from 'node:crypto';
import { hashApiKey } from './keys';
import { signToken, verifiedTokenBody } from './session';

/** `els_` and 16–64 base64url characters; tokens made here have 32. */
export const SHARE_TOKEN_PATTERN = /^els_[A-Za-z0-9_-]{16,64}$/;
/** The characters of a token the log and the lists keep, to recognise a link (like a key's prefix). */
export const SHARE_TOKEN_PREFIX_LENGTH = 10;
/** The scheme of the Authorization header that carries a grant: `Authorization: Share <grant>`. */
export const SHARE_AUTH_SCHEME = 'Share';
/** How long a grant is accepted, unless its link is revoked first (1 hour). */
export const SHARE_GRANT_TTL_MS = 3600 * 1000;

/** A new link token: `els_` and 24 random bytes as base64url. */
export function generateShareToken(): string {
  return `els_${randomBytes(24).toString('base64url')}`;
}

/** Hex SHA-256 of a link token: what the log and the read models store instead of it. */
export function hashShareToken(token: string): string {
  return hashApiKey(token);
}

/** What a grant says: the link it was issued for, that link's project, and when it expires. */
export interface ShareGrant {
  link_id: string;
  project_id: string;
  /** Expiry, epoch milliseconds. */
  exp: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A grant for `link` (ids lowercased), valid `ttlMs` from `now`. */
export function issueShareGrant(
  link: { link_id: string; project_id: string },
  secret: string,
  now = Date.now(),
  ttlMs = SHARE_GRANT_TTL_MS,
): { grant: string; expires_at: number } {
  const exp = now + ttlMs;
  const body: ShareGrant = {
    link_id: link.link_id.toLowerCase(),
    project_id: link.project_id.toLowerCase(),
    exp,
  };
  return { grant: signToken(body, secret, 'share-grant'), expires_at: exp };
}

/**
 * What `grant` says, or undefined when it is malformed, forged, signed for another purpose (a
 * console session) or expired. Whether its link was revoked since is the caller's check.
 */
export function verifyShareGrant(grant: string, secret: string, now = Date.now()): ShareGrant | undefined {
  const body = verifiedTokenBody(grant, secret, 'share-grant');
  if (body === null || typeof body !== 'object') return undefined;
  const g = body as Partial<ShareGrant>;
  if (typeof g.exp !== 'number' || g.exp <= now) return undefined;
  if (typeof g.link_id !== 'string' || !UUID.test(g.link_id)) return undefined;
  if (typeof g.project_id !== 'string' || !UUID.test(g.project_id)) return undefined;
  return { link_id: g.link_id, project_id: g.project_id, exp: g.exp };
}
