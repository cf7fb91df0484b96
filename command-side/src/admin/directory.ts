/**
 * What the command side knows about projects (their settings: declared domains, excluded address
 * ranges), keys, users and console sessions: the admin stream folded into
 * memory. Fed by a tail of `eventlens.admin` from offset 0, and by this process's own admin events
 * right after Kafka acknowledges them, so the same event may arrive twice and in either order
 * relative to later ones: every `apply` is idempotent and a revocation is final (a key or a
 * console session revoked once stays revoked, whatever arrives after).
 *
 * Public dashboard links are known by id (their project, whether revoked): the command side revokes
 * them; the query side checks their tokens and passwords from its read model.
 *
 * Console sessions are kept while their token can still be presented: a session whose
 * `expires_at` (or a revocation older than a session's lifetime) lies before the newest start
 * seen is forgotten, so memory holds about one token lifetime of logins.
 */
import {
  SESSION_TTL_MS,
  compileAddressRanges,
  hashApiKey,
  type AddressRanges,
  type AnyEvent,
  type ApiKeyIssued,
  type ProjectCreated,
  type ProjectSettingsChanged,
  type UserRegistered,
} from '@eventlens/contracts';

export interface KeyEntry {
  key_id: string;
  project_id: string;
  kind: ApiKeyIssued['kind'];
  name: string;
  key_prefix: string;
  revoked: boolean;
}

export interface SessionEntry {
  session_id: string;
  user_id: string;
  started_at: number;
  expires_at: number;
  user_agent: string | null;
  revoked: boolean;
}

export interface PublicLinkEntry {
  link_id: string;
  project_id: string;
  revoked: boolean;
}

export interface KeyDirectory {
  apply(event: AnyEvent): void;
  project(projectId: string): ProjectCreated | undefined;
  /** The latest settings of a project, or undefined when none were ever set (the defaults apply). */
  settings(projectId: string): ProjectSettingsChanged | undefined;
  /** The project that declares `domain` (lowercase), or undefined. */
  domainOwner(domain: string): string | undefined;
  /**
   * The client address ranges a project excludes from its reports (its latest settings'
   * `excluded_address_ranges`, normalised CIDR), ready for matching: `excludedRanges(id).contains(ip)`
   * says whether an event received from `ip` is the project's own traffic. None for a project
   * without settings or ranges. The object is replaced, not changed, when the settings change.
   */
  excludedRanges(projectId: string): AddressRanges;
  /** The key with this plaintext, whatever its state. */
  keyFor(apiKey: string): KeyEntry | undefined;
  key(keyId: string): KeyEntry | undefined;
  userByEmail(email: string): UserRegistered | undefined;
  userById(userId: string): UserRegistered | undefined;
  /** A public dashboard link seen created, whatever its state. */
  publicLink(linkId: string): PublicLinkEntry | undefined;
  /** A console session seen starting, or undefined (unknown, or forgotten after it expired). */
  session(sessionId: string): SessionEntry | undefined;
  /** Whether a revocation of this session id has been seen (even before its start). */
  sessionRevoked(sessionId: string): boolean;
  size(): { projects: number; keys: number; users: number; sessions: number; publicLinks: number };
}

export function createKeyDirectory(): KeyDirectory {
  const projects = new Map<string, ProjectCreated>();
  const keysById = new Map<string, KeyEntry>();
  const keyIdByHash = new Map<string, string>();
  /** key id → project id of each revocation seen, kept even when the key itself has not been seen yet. */
  const revoked = new Map<string, string>();
  const usersByEmail = new Map<string, UserRegistered>();
  const usersById = new Map<string, UserRegistered>();
  const sessions = new Map<string, SessionEntry>();
  /** session id → revoked_at of each session revocation seen, kept even before its start is seen. */
  const revokedSessions = new Map<string, number>();
  let newestStart = 0;
  const settings = new Map<string, ProjectSettingsChanged>();
  /** domain → the project that declares it: the first to claim it keeps it until it lets it go. */
  const domainOwners = new Map<string, string>();
  /** project → its excluded ranges, compiled once per settings record (only projects that have some). */
  const excluded = new Map<string, AddressRanges>();
  const noRanges = compileAddressRanges([]);
  const publicLinks = new Map<string, PublicLinkEntry>();
  /** link id → project id of each link revocation seen, kept even when the link has not been seen yet. */
  const revokedLinks = new Map<string, string>();

  function applySettings(value: ProjectSettingsChanged): void {
    const current = settings.get(value.project_id);
    // A record older than the one applied (this instance's own, then the tail's copy of an earlier
    // one) changes nothing: settings are replaced whole, the latest wins.
    if (current && value.changed_at < current.changed_at) return;
    settings.set(value.project_id, value);
    if (value.excluded_address_ranges.length > 0) {
      excluded.set(value.project_id, compileAddressRanges(value.excluded_address_ranges));
    } else {
      excluded.delete(value.project_id);
    }
    for (const [domain, owner] of domainOwners) {
      if (owner === value.project_id && !value.domains.includes(domain)) domainOwners.delete(domain);
    }
    for (const domain of value.domains)
      if (!domainOwners.has(domain)) domainOwners.set(domain, value.project_id);
  }

  /** Forget sessions no token can be presented for any more (log time, not the clock: `apply` stays pure). */
  function forgetExpired(): void {
    for (const [id, entry] of sessions) if (entry.expires_at <= newestStart) sessions.delete(id);
    for (const [id, at] of revokedSessions) {
      if (at + SESSION_TTL_MS <= newestStart && !sessions.has(id)) revokedSessions.delete(id);
    }
  }

  function apply(event: AnyEvent): void {
    switch (event.type) {
      case 'ProjectCreated':
        if (!projects.has(event.value.project_id)) projects.set(event.value.project_id, event.value);
        return;
      case 'ApiKeyIssued': {
        const { key_id, project_id, kind, name, key_prefix, key_hash } = event.value;
        keysById.set(key_id, {
          key_id,
          project_id,
          kind,
          name,
          key_prefix,
          revoked: revoked.get(key_id) === project_id,
        });
        keyIdByHash.set(key_hash, key_id);
        return;
      }
      case 'ApiKeyRevoked': {
        const key = keysById.get(event.value.key_id);
        // Only the owning project can revoke a key; a record naming another project changes nothing.
        if (key && key.project_id !== event.value.project_id) return;
        revoked.set(event.value.key_id, event.value.project_id);
        if (key) key.revoked = true;
        return;
      }
      case 'UserRegistered':
        if (!usersByEmail.has(event.value.email)) usersByEmail.set(event.value.email, event.value);
        if (!usersById.has(event.value.user_id)) usersById.set(event.value.user_id, event.value);
        return;
      case 'ConsoleSessionStarted': {
        const { session_id, user_id, started_at, expires_at, user_agent } = event.value;
        if (started_at > newestStart + 60_000) {
          newestStart = started_at;
          forgetExpired();
        }
        newestStart = Math.max(newestStart, started_at);
        if (expires_at <= newestStart || sessions.has(session_id)) return;
        sessions.set(session_id, {
          session_id,
          user_id,
          started_at,
          expires_at,
          user_agent,
          revoked: revokedSessions.has(session_id),
        });
        return;
      }
      case 'ConsoleSessionRevoked': {
        const entry = sessions.get(event.value.session_id);
        // Only the session's own user can be named in its revocation; another user's record changes nothing.
        if (entry && entry.user_id !== event.value.user_id) return;
        if (!revokedSessions.has(event.value.session_id)) {
          revokedSessions.set(event.value.session_id, event.value.revoked_at);
        }
        if (entry) entry.revoked = true;
        return;
      }
      case 'ProjectSettingsChanged':
        applySettings(event.value);
        return;
      case 'PublicLinkCreated': {
        const { link_id, project_id } = event.value;
        if (publicLinks.has(link_id)) return;
        publicLinks.set(link_id, { link_id, project_id, revoked: revokedLinks.get(link_id) === project_id });
        return;
      }
      case 'PublicLinkRevoked': {
        const link = publicLinks.get(event.value.link_id);
        // Only the owning project can revoke a link; a record naming another project changes nothing.
        if (link && link.project_id !== event.value.project_id) return;
        revokedLinks.set(event.value.link_id, event.value.project_id);
        if (link) link.revoked = true;
        return;
      }
      case 'EventTracked':
      case 'DlqReplayRequested':
        // Not about projects, keys or users: the projections' ops worker acts on replay requests.
        return;
      default: {
        const unreachable: never = event;
        throw new Error(`unhandled admin event ${JSON.stringify(unreachable)}`);
      }
    }
  }

  return {
    apply,
    project: (id) => projects.get(id),
    settings: (id) => settings.get(id),
    domainOwner: (domain) => domainOwners.get(domain),
    excludedRanges: (id) => excluded.get(id) ?? noRanges,
    keyFor: (apiKey) => {
      const id = keyIdByHash.get(hashApiKey(apiKey));
      return id === undefined ? undefined : keysById.get(id);
    },
    key: (id) => keysById.get(id),
    userByEmail: (email) => usersByEmail.get(email.toLowerCase()),
    userById: (id) => usersById.get(id),
    session: (id) => sessions.get(id),
    sessionRevoked: (id) => revokedSessions.has(id),
    publicLink: (id) => publicLinks.get(id),
    size: () => ({
      projects: projects.size,
      keys: keysById.size,
      users: usersByEmail.size,
      sessions: sessions.size,
      publicLinks: publicLinks.size,
    }),
  };
}
