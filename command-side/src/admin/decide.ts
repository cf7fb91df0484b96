/**
 * Admin commands decided against the directory: pure functions from (state, command) to the event
 * to append, or a refusal. The handler appends the event and then applies it locally.
 *
 * A refusal is a domain error: a value with a stable code and the ids it is about, no HTTP status
 * and no wording; the HTTP layer answers each code in one place (http/domain-errors.ts).
 */
import {
  KEY_PREFIX_LENGTH,
  SESSION_TTL_MS,
  type AnyEvent,
  type ConsoleSession,
  type CreateProject,
  type IssueApiKey,
  type ProjectGoal,
  type ProjectGoalRecord,
  type ProjectSettings,
  type ProjectSettingsChanged,
  type RegisterUser,
  type ReplayDlq,
  type RevokeApiKey,
  SHARE_TOKEN_PREFIX_LENGTH,
} from '@eventlens/contracts';
import type { KeyDirectory } from './directory';
import { sessionUserAgent } from './user-agent';
import type {
  CreatedProject,
  CreatedPublicLink,
  IssuedKey,
  ProjectSettingsView,
  RegisteredUser,
  ReplayRequested,
} from './views';

export interface DecideDeps {
  now(): number;
  newId(): string;
}

/** Why a command is refused. A key or session of another owner is "not found": existence does not leak. */
export type DomainError =
  | { code: 'PROJECT_NOT_FOUND'; project_id: string }
  | { code: 'KEY_NOT_FOUND'; project_id: string; key_id: string }
  | { code: 'EMAIL_TAKEN'; email: string }
  | { code: 'SESSION_NOT_FOUND'; session_id: string }
  | { code: 'PUBLIC_LINK_NOT_FOUND'; project_id: string; link_id: string }
  /** The domain is declared by another project (which one is not said: existence does not leak). */
  | { code: 'DOMAIN_TAKEN'; project_id: string; domain: string };

/** An event to append (under `key` in the admin topic) and what to answer once it is durable. */
export type Decision<R> =
  | { kind: 'append'; event: AnyEvent; key: string; response: R }
  | { kind: 'nothing-to-do'; response: R }
  | { kind: 'refuse'; error: DomainError };

export function refuse(error: DomainError): Decision<never> {
  return { kind: 'refuse', error };
}

export function decideCreateProject(
  command: CreateProject,
  actor: string | null,
  deps: DecideDeps,
): Decision<CreatedProject> {
  const project_id = deps.newId();
  const created_at = deps.now();
  return {
    kind: 'append',
    key: project_id,
    event: {
      type: 'ProjectCreated',
      value: { project_id, name: command.name, created_at, created_by: actor },
    },
    response: { project_id, name: command.name, created_at: new Date(created_at).toISOString() },
  };
}

export function decideIssueKey(
  directory: KeyDirectory,
  command: IssueApiKey,
  key: string,
  hash: string,
  deps: DecideDeps,
): Decision<IssuedKey> {
  if (!directory.project(command.project_id)) {
    return refuse({ code: 'PROJECT_NOT_FOUND', project_id: command.project_id });
  }
  const key_id = deps.newId();
  const issued_at = deps.now();
  const name = command.name ?? `${command.kind} key`;
  const key_prefix = key.slice(0, KEY_PREFIX_LENGTH);
  return {
    kind: 'append',
    key: command.project_id,
    event: {
      type: 'ApiKeyIssued',
      value: {
        key_id,
        project_id: command.project_id,
        kind: command.kind,
        name,
        key_hash: hash,
        key_prefix,
        issued_at,
      },
    },
    response: {
      key_id,
      project_id: command.project_id,
      kind: command.kind,
      name,
      key,
      key_prefix,
      issued_at: new Date(issued_at).toISOString(),
    },
  };
}

/** Revoking is idempotent: a key already revoked answers the same, with nothing appended. */
export function decideRevokeKey(
  directory: KeyDirectory,
  command: RevokeApiKey,
  deps: DecideDeps,
): Decision<null> {
  const key = directory.key(command.key_id);
  // A key of another project is "not found" here, not "forbidden": existence does not leak.
  if (!directory.project(command.project_id) || !key || key.project_id !== command.project_id) {
    return refuse({ code: 'KEY_NOT_FOUND', project_id: command.project_id, key_id: command.key_id });
  }
  if (key.revoked) return { kind: 'nothing-to-do', response: null };
  return {
    kind: 'append',
    key: command.project_id,
    event: {
      type: 'ApiKeyRevoked',
      value: { key_id: command.key_id, project_id: command.project_id, revoked_at: deps.now() },
    },
    response: null,
  };
}

/**
 * A public dashboard link of an existing project: its token (made by the caller, shown once) is
 * kept as its hash and prefix, its password (when it has one) as its scrypt hash.
 */
export function decideCreatePublicLink(
  directory: KeyDirectory,
  link: { project_id: string; token: string; token_hash: string; password_hash: string | null },
  actor: string | null,
  deps: DecideDeps,
): Decision<CreatedPublicLink> {
  if (!directory.project(link.project_id)) {
    return refuse({ code: 'PROJECT_NOT_FOUND', project_id: link.project_id });
  }
  const link_id = deps.newId();
  const created_at = deps.now();
  const token_prefix = link.token.slice(0, SHARE_TOKEN_PREFIX_LENGTH);
  return {
    kind: 'append',
    key: link.project_id,
    event: {
      type: 'PublicLinkCreated',
      value: {
        link_id,
        project_id: link.project_id,
        token_hash: link.token_hash,
        token_prefix,
        password_hash: link.password_hash,
        created_at,
        created_by: actor,
      },
    },
    response: {
      link_id,
      project_id: link.project_id,
      token: link.token,
      token_prefix,
      path: `/share/${link.token}`,
      has_password: link.password_hash !== null,
      created_at: new Date(created_at).toISOString(),
    },
  };
}

/** Revoking a link is idempotent: one already revoked answers the same, with nothing appended. */
export function decideRevokePublicLink(
  directory: KeyDirectory,
  command: { project_id: string; link_id: string },
  actor: string | null,
  deps: Pick<DecideDeps, 'now'>,
): Decision<null> {
  const link = directory.publicLink(command.link_id);
  // A link of another project is "not found" here, not "forbidden": existence does not leak.
  if (!directory.project(command.project_id) || !link || link.project_id !== command.project_id) {
    return refuse({ code: 'PUBLIC_LINK_NOT_FOUND', ...command });
  }
  if (link.revoked) return { kind: 'nothing-to-do', response: null };
  return {
    kind: 'append',
    key: command.project_id,
    event: {
      type: 'PublicLinkRevoked',
      value: { ...command, revoked_at: deps.now(), revoked_by: actor },
    },
    response: null,
  };
}

/** EMAIL_TAKEN when `email` is registered already (the admin router asks before hashing a password). */
export function emailTaken(directory: KeyDirectory, email: string): DomainError | undefined {
  return directory.userByEmail(email) ? { code: 'EMAIL_TAKEN', email } : undefined;
}

export function decideRegisterUser(
  directory: KeyDirectory,
  command: RegisterUser,
  passwordHash: string,
  deps: DecideDeps,
): Decision<RegisteredUser> {
  const taken = emailTaken(directory, command.email);
  if (taken) return refuse(taken);
  const user_id = deps.newId();
  const registered_at = deps.now();
  const name = command.name ?? null;
  return {
    kind: 'append',
    key: user_id,
    event: {
      type: 'UserRegistered',
      value: { user_id, email: command.email, name, password_hash: passwordHash, registered_at },
    },
    response: { user_id, email: command.email, name, registered_at: new Date(registered_at).toISOString() },
  };
}

/**
 * A DLQ replay is a request, not a change of state the command side knows about: it is always
 * appended (keyed by the projection, so requests for one projection stay in order), and the
 * projections' ops worker re-injects the records, once per request id.
 */
export function decideReplayDlq(
  command: ReplayDlq,
  actor: string | null,
  deps: DecideDeps,
): Decision<ReplayRequested> {
  const request_id = deps.newId();
  const requested_at = deps.now();
  return {
    kind: 'append',
    key: command.projection,
    event: {
      type: 'DlqReplayRequested',
      value: { request_id, projection: command.projection, requested_at, requested_by: actor },
    },
    response: {
      request_id,
      projection: command.projection,
      requested_at: new Date(requested_at).toISOString(),
    },
  };
}

/** Starting a console session of `user` (after its password was checked): always appended. */
export function decideStartSession(
  user: { user_id: string },
  userAgent: string | undefined,
  deps: DecideDeps,
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
      user_agent: userAgent ? sessionUserAgent(userAgent) : null,
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
  deps: Pick<DecideDeps, 'now'>,
): Decision<null> {
  const known = directory.session(sessionId);
  const own = sessionId === actor.sid;
  if (!own && (!known || known.user_id !== actor.user_id)) {
    return refuse({ code: 'SESSION_NOT_FOUND', session_id: sessionId });
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

/**
 * Replacing a project's settings (time zone, declared domains, goals, excluded address ranges) as a
 * whole: a ProjectSettingsChanged v2 carrying all of them. Refused when the project does not exist,
 * or a domain is declared by another project (the first one named). Settings equal to the current
 * ones (lists in the same order) append nothing; the answer is the same either way.
 */
export function decideChangeSettings(
  directory: KeyDirectory,
  projectId: string,
  command: ProjectSettings,
  actor: string | null,
  deps: Pick<DecideDeps, 'now'>,
): Decision<ProjectSettingsView> {
  if (!directory.project(projectId)) return refuse({ code: 'PROJECT_NOT_FOUND', project_id: projectId });
  for (const domain of command.domains) {
    const owner = directory.domainOwner(domain);
    if (owner !== undefined && owner !== projectId) {
      return refuse({ code: 'DOMAIN_TAKEN', project_id: projectId, domain });
    }
  }
  const goals = command.goals.map(goalRecord);
  const current = directory.settings(projectId);
  if (
    current &&
    current.time_zone === command.time_zone &&
    sameList(current.domains, command.domains) &&
    sameList(current.excluded_address_ranges, command.excluded_address_ranges) &&
    sameList(current.goals.map(goalKey), goals.map(goalKey))
  ) {
    return { kind: 'nothing-to-do', response: settingsView(current) };
  }
  const value: ProjectSettingsChanged = {
    project_id: projectId,
    time_zone: command.time_zone,
    domains: command.domains,
    changed_at: deps.now(),
    changed_by: actor,
    goals,
    excluded_address_ranges: command.excluded_address_ranges,
  };
  return {
    kind: 'append',
    key: projectId,
    event: { type: 'ProjectSettingsChanged', value },
    response: settingsView(value),
  };
}

/** A goal of the command as the record carries it: the kind it is not, null. */
function goalRecord(goal: ProjectGoal): ProjectGoalRecord {
  return 'event_name' in goal
    ? { name: goal.name, event_name: goal.event_name, page_path: null }
    : { name: goal.name, event_name: null, page_path: goal.page_path };
}

/** A goal of a record as the API shows it: its name and its one kind. */
function goalView(goal: ProjectGoalRecord): ProjectGoal {
  return goal.event_name !== null
    ? { name: goal.name, event_name: goal.event_name }
    : { name: goal.name, page_path: goal.page_path ?? '' };
}

const goalKey = (goal: ProjectGoalRecord) => JSON.stringify([goal.name, goal.event_name, goal.page_path]);

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function settingsView(value: ProjectSettingsChanged): ProjectSettingsView {
  return {
    project_id: value.project_id,
    time_zone: value.time_zone,
    domains: [...value.domains],
    goals: value.goals.map(goalView),
    excluded_address_ranges: [...value.excluded_address_ranges],
    updated_at: new Date(value.changed_at).toISOString(),
  };
}
