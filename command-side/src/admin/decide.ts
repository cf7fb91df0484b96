/**
 * Admin commands decided against the directory: pure functions from (state, command) to the event
 * to append, or a refusal. The handler appends the event and then applies it locally.
 */
import {
  KEY_PREFIX_LENGTH,
  type AnyEvent,
  type ApiKeyKind,
  type CreateProject,
  type IssueApiKey,
  type RegisterUser,
  type ReplayDlq,
  type RevokeApiKey,
} from '@eventlens/contracts';
import { HttpError } from '../errors';
import type { KeyDirectory } from './directory';

export interface DecideDeps {
  now(): number;
  newId(): string;
}

/** An event to append (under `key` in the admin topic) and what to answer once it is durable. */
export type Decision<R> =
  | { kind: 'append'; event: AnyEvent; key: string; response: R }
  | { kind: 'nothing-to-do'; response: R }
  | { kind: 'refuse'; error: HttpError };

export interface ProjectView {
  project_id: string;
  name: string;
  created_at: string;
}

export function decideCreateProject(
  command: CreateProject,
  actor: string | null,
  deps: DecideDeps,
): Decision<ProjectView> {
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

export interface IssuedKeyView {
  key_id: string;
  project_id: string;
  kind: ApiKeyKind;
  name: string;
  /** The key itself: shown once, never stored. */
  key: string;
  key_prefix: string;
  issued_at: string;
}

export function decideIssueKey(
  directory: KeyDirectory,
  command: IssueApiKey,
  key: string,
  hash: string,
  deps: DecideDeps,
): Decision<IssuedKeyView> {
  if (!directory.project(command.project_id)) return notFound(`project ${command.project_id} does not exist`);
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
    return notFound(`key ${command.key_id} does not exist in project ${command.project_id}`);
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

export interface UserView {
  user_id: string;
  email: string;
  name: string | null;
  registered_at: string;
}

export function emailTaken(directory: KeyDirectory, email: string): HttpError | undefined {
  return directory.userByEmail(email)
    ? new HttpError('CONFLICT', `email ${email} is already registered`)
    : undefined;
}

export function decideRegisterUser(
  directory: KeyDirectory,
  command: RegisterUser,
  passwordHash: string,
  deps: DecideDeps,
): Decision<UserView> {
  const taken = emailTaken(directory, command.email);
  if (taken) return { kind: 'refuse', error: taken };
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

function notFound(message: string): Decision<never> {
  return { kind: 'refuse', error: new HttpError('NOT_FOUND', message) };
}

export interface ReplayRequestedView {
  request_id: string;
  projection: ReplayDlq['projection'];
  requested_at: string;
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
): Decision<ReplayRequestedView> {
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
