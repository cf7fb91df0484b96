/**
 * From admin events to rows: pure validation and mapping. Admin history has a total order (one
 * partition); rows keep their kind so `apply` can write each kind with one statement.
 */
import type { AnyEvent } from '@eventlens/contracts';
import type { ProjectGoalRow } from '@eventlens/read-model';
import { hasNul, isUuid } from '../analytics/rows';
import { ok, retry, type Outcome } from '../runtime/outcome';

export type AdminRow =
  | { kind: 'project'; project_id: string; name: string; created_at: number; created_by: string | null }
  | {
      kind: 'key';
      key_id: string;
      project_id: string;
      key_kind: 'write' | 'read';
      name: string;
      key_hash: string;
      key_prefix: string;
      issued_at: number;
    }
  | { kind: 'revocation'; key_id: string; project_id: string; revoked_at: number }
  | {
      kind: 'user';
      user_id: string;
      email: string;
      name: string | null;
      password_hash: string;
      registered_at: number;
    }
  | {
      kind: 'session';
      session_id: string;
      user_id: string;
      started_at: number;
      expires_at: number;
      user_agent: string | null;
    }
  | {
      kind: 'session-revocation';
      session_id: string;
      user_id: string;
      revoked_at: number;
      revoked_by: string | null;
    }
  | {
      kind: 'settings';
      project_id: string;
      time_zone: string;
      domains: string[];
      /** As the API shows them (read-model ProjectGoalRow): the name and the goal's one kind. */
      goals: ProjectGoalRow[];
      excluded_address_ranges: string[];
      changed_at: number;
    }
  | {
      kind: 'public-link';
      link_id: string;
      project_id: string;
      token_hash: string;
      token_prefix: string;
      password_hash: string | null;
      created_at: number;
      created_by: string | null;
    }
  | {
      kind: 'public-link-revocation';
      link_id: string;
      project_id: string;
      revoked_at: number;
      revoked_by: string | null;
    }
  /** An admin event with nothing for these tables (a DLQ replay request: the ops worker acts on it). */
  | { kind: 'ignored'; type: AnyEvent['type'] };

const invalid = (message: string, projectId: string | null = null) =>
  retry({ code: 'INVALID_EVENT', message, projectId });

function checkIds(ids: Record<string, string>): string | null {
  for (const [field, value] of Object.entries(ids)) {
    if (!isUuid(value)) return `${field} is not a uuid: ${value.slice(0, 80)}`;
  }
  return null;
}

export function toAdminRow(event: AnyEvent): Outcome<AdminRow> {
  // Before the text checks: a record this projection ignores is never sent to its retries.
  if (event.type === 'DlqReplayRequested') return ok({ kind: 'ignored', type: event.type });
  // Every string of the record, also inside lists and their records (a goal's name and pattern).
  const texts = Object.values(event.value)
    .flatMap((v) => (Array.isArray(v) ? v : [v]))
    .flatMap((v) => (v !== null && typeof v === 'object' ? Object.values(v) : [v]))
    .filter((v): v is string => typeof v === 'string');
  if (texts.some(hasNul)) return invalid('a text field contains a NUL character');
  switch (event.type) {
    case 'ProjectCreated': {
      const v = event.value;
      const bad = checkIds({ project_id: v.project_id });
      if (bad) return invalid(bad);
      return ok({
        kind: 'project',
        project_id: v.project_id.toLowerCase(),
        name: v.name,
        created_at: v.created_at,
        created_by: v.created_by,
      });
    }
    case 'ApiKeyIssued': {
      const v = event.value;
      const bad = checkIds({ key_id: v.key_id, project_id: v.project_id });
      if (bad) return invalid(bad, isUuid(v.project_id) ? v.project_id.toLowerCase() : null);
      return ok({
        kind: 'key',
        key_id: v.key_id.toLowerCase(),
        project_id: v.project_id.toLowerCase(),
        key_kind: v.kind,
        name: v.name,
        key_hash: v.key_hash,
        key_prefix: v.key_prefix,
        issued_at: v.issued_at,
      });
    }
    case 'ApiKeyRevoked': {
      const v = event.value;
      const bad = checkIds({ key_id: v.key_id, project_id: v.project_id });
      if (bad) return invalid(bad, isUuid(v.project_id) ? v.project_id.toLowerCase() : null);
      return ok({
        kind: 'revocation',
        key_id: v.key_id.toLowerCase(),
        project_id: v.project_id.toLowerCase(),
        revoked_at: v.revoked_at,
      });
    }
    case 'UserRegistered': {
      const v = event.value;
      const bad = checkIds({ user_id: v.user_id });
      if (bad) return invalid(bad);
      return ok({
        kind: 'user',
        user_id: v.user_id.toLowerCase(),
        email: v.email,
        name: v.name,
        password_hash: v.password_hash,
        registered_at: v.registered_at,
      });
    }
    case 'ConsoleSessionStarted': {
      const v = event.value;
      const bad = checkIds({ session_id: v.session_id, user_id: v.user_id });
      if (bad) return invalid(bad);
      return ok({
        kind: 'session',
        session_id: v.session_id.toLowerCase(),
        user_id: v.user_id.toLowerCase(),
        started_at: v.started_at,
        expires_at: v.expires_at,
        user_agent: v.user_agent,
      });
    }
    case 'ConsoleSessionRevoked': {
      const v = event.value;
      const bad = checkIds({ session_id: v.session_id, user_id: v.user_id });
      if (bad) return invalid(bad);
      return ok({
        kind: 'session-revocation',
        session_id: v.session_id.toLowerCase(),
        user_id: v.user_id.toLowerCase(),
        revoked_at: v.revoked_at,
        revoked_by: v.revoked_by,
      });
    }
    case 'ProjectSettingsChanged': {
      const v = event.value;
      const bad = checkIds({ project_id: v.project_id });
      if (bad) return invalid(bad);
      // The command side validated and normalised them; kept as written, in the order given. A v1
      // record reads with no goals and no ranges (v2's defaults), which is what it meant.
      const goals: ProjectGoalRow[] = [];
      for (const [i, goal] of v.goals.entries()) {
        if ((goal.event_name === null) === (goal.page_path === null)) {
          return invalid(`goals[${i}] must have exactly one of event_name and page_path`, v.project_id);
        }
        goals.push(
          goal.event_name !== null
            ? { name: goal.name, event_name: goal.event_name }
            : { name: goal.name, page_path: goal.page_path! },
        );
      }
      return ok({
        kind: 'settings',
        project_id: v.project_id.toLowerCase(),
        time_zone: v.time_zone,
        domains: v.domains,
        goals,
        excluded_address_ranges: v.excluded_address_ranges,
        changed_at: v.changed_at,
      });
    }
    case 'PublicLinkCreated': {
      const v = event.value;
      const bad = checkIds({ link_id: v.link_id, project_id: v.project_id });
      if (bad) return invalid(bad, isUuid(v.project_id) ? v.project_id.toLowerCase() : null);
      if (!/^[0-9a-f]{64}$/.test(v.token_hash)) {
        return invalid('token_hash is not a hex SHA-256', v.project_id.toLowerCase());
      }
      return ok({
        kind: 'public-link',
        link_id: v.link_id.toLowerCase(),
        project_id: v.project_id.toLowerCase(),
        token_hash: v.token_hash,
        token_prefix: v.token_prefix,
        password_hash: v.password_hash,
        created_at: v.created_at,
        created_by: v.created_by,
      });
    }
    case 'PublicLinkRevoked': {
      const v = event.value;
      const bad = checkIds({ link_id: v.link_id, project_id: v.project_id });
      if (bad) return invalid(bad, isUuid(v.project_id) ? v.project_id.toLowerCase() : null);
      return ok({
        kind: 'public-link-revocation',
        link_id: v.link_id.toLowerCase(),
        project_id: v.project_id.toLowerCase(),
        revoked_at: v.revoked_at,
        revoked_by: v.revoked_by,
      });
    }
    case 'EventTracked':
      return retry({
        code: 'UNEXPECTED_EVENT_TYPE',
        message: 'EventTracked does not belong on the admin topic',
      });
    default:
      return assertNever(event);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled admin event ${JSON.stringify(value)}`);
}
