/**
 * Admin commands, event-sourced into the admin topic: create a project, issue and revoke keys,
 * create and revoke public dashboard links, replace a project's settings, register console users, request a replay of a projection's DLQ; and the console's sessions
 * (log in, log out, revoke a session: `sessions.ts`). Each command is decided
 * against the directory, appended, and applied to the directory once Kafka acknowledges it, so
 * this instance sees its own changes at once; before it, the directory reads the admin log to its
 * end (`catchUp`), so it also sees what other instances appended. Commands run one at a time per
 * instance, so two of them cannot decide on the same state; two instances deciding at the same
 * moment still can (Kafka has no conditional append), see docs/scaling.md.
 * Not CORS-open: only the console's own origin (or a script with the admin token) calls these.
 */
import {
  CreateProject,
  CreatePublicLink,
  IssueApiKey,
  PROJECTIONS,
  ProjectSettings,
  RegisterUser,
  ReplayDlq,
  generateApiKey,
  generateShareToken,
  hashApiKey,
  hashPassword,
  hashShareToken,
  type AnyEvent,
  type ApiKeyKind,
  type Codec,
  type EventType,
} from '@eventlens/contracts';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { HttpError, validate } from '../errors';
import { httpErrorOf } from '../http/domain-errors';
import { APPEND_ERRORS, BODY_ERRORS, defineRoute, mount, type RouteDoc } from '../http/openapi';
import type { Appender } from '../log/appender';
import { adminActor, adminAuth, type AdminAuthOptions } from './auth';
import {
  decideChangeSettings,
  decideCreateProject,
  decideCreatePublicLink,
  decideIssueKey,
  decideRegisterUser,
  decideReplayDlq,
  decideRevokeKey,
  decideRevokePublicLink,
  emailTaken,
  type Decision,
} from './decide';
import type { KeyDirectory } from './directory';
import { SESSION_ROUTES, sessionRoutes } from './sessions';
import type { LoginThrottle, ThrottleOptions } from './throttle';
import {
  CreatedProject,
  CreatedPublicLink,
  IssuedKey,
  ProjectSettingsView,
  RegisteredUser,
  ReplayRequested,
} from './views';

export interface AdminDeps {
  directory: KeyDirectory;
  appender: Appender;
  codec: Pick<Codec, 'encode'>;
  adminTopic: string;
  auth: AdminAuthOptions;
  notReady: () => HttpError | undefined;
  /**
   * Resolves once the directory holds what the admin log held when it was called: commands are
   * decided on what every instance appended before them, not only this one (a project created
   * through one replica, its key issued through another). Rejects with a 503 NOT_READY HttpError.
   */
  catchUp: () => Promise<void>;
  now: () => number;
  newId: () => string;
  generateKey?: (kind: ApiKeyKind) => string;
  /** Makes a public link's token (default: contracts' generateShareToken). */
  generateShareToken?: () => string;
  hashPassword?: (password: string) => Promise<string>;
  /** The login throttle, or its options (defaults: see throttle.ts). */
  loginThrottle?: LoginThrottle | ThrottleOptions;
  /** Secure flag of the session cookie; `auto` follows req.secure (default). */
  cookieSecure?: 'auto' | 'always' | 'never';
  /** How a throttled login waits before it is answered; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
}

const IssueKeyBody = IssueApiKey.omit({ project_id: true });
/** An id in the path that is not even a UUID names nothing: 404, like an unknown one. */
const uuid = z.uuid();
const adminBody = (schema: z.ZodType) => ({ schema, types: ['application/json'], limitBytes: 64 * 1024 });

const ADMIN_ERRORS = {
  UNAUTHORIZED:
    'No admin token and no console session, a wrong token, a session logged out or revoked, or a session without the CSRF header.',
  ...APPEND_ERRORS,
} as const;
const adminSecurity = [{ adminToken: [] }, { session: [], csrf: [] }];

export const ADMIN_ROUTES = {
  createProject: defineRoute({
    method: 'post',
    path: '/v1/admin/projects',
    tag: 'admin',
    summary: 'Create a project',
    security: adminSecurity,
    body: adminBody(CreateProject),
    responses: { 201: { description: 'Created (ProjectCreated appended).', schema: CreatedProject } },
    errors: { ...BODY_ERRORS, ...ADMIN_ERRORS },
  }),
  issueKey: defineRoute({
    method: 'post',
    path: '/v1/admin/projects/{project_id}/keys',
    tag: 'admin',
    summary: 'Issue a write or read key',
    description: 'The answer is the only time the key itself is shown (Cache-Control: no-store).',
    security: adminSecurity,
    params: z.object({ project_id: uuid }),
    body: adminBody(IssueKeyBody),
    responses: { 201: { description: 'Issued (ApiKeyIssued appended).', schema: IssuedKey } },
    errors: { ...BODY_ERRORS, ...ADMIN_ERRORS, NOT_FOUND: 'No such project.' },
  }),
  revokeKey: defineRoute({
    method: 'delete',
    path: '/v1/admin/projects/{project_id}/keys/{key_id}',
    tag: 'admin',
    summary: 'Revoke a key',
    description: 'Idempotent: a key already revoked answers 204 too, with nothing appended.',
    security: adminSecurity,
    params: z.object({ project_id: uuid, key_id: uuid }),
    responses: { 204: { description: 'Revoked (ApiKeyRevoked appended), or already revoked.' } },
    errors: {
      ...ADMIN_ERRORS,
      NOT_FOUND: 'No such project, or no such key in it (a key of another project).',
    },
  }),
  createPublicLink: defineRoute({
    method: 'post',
    path: '/v1/admin/projects/{project_id}/public-links',
    tag: 'admin',
    summary: "Create a public link to a project's dashboard (read-only, revocable)",
    description:
      'Anyone holding the link sees the project’s dashboard read-only, and nothing else of the console or the API, until it is revoked. The body is `{}`, or `{"password": "…"}` (8–200 characters) for a link that asks for it. The answer is the only time the token is shown (Cache-Control: no-store): the link is the console’s origin followed by `path` (`/share/<token>`). The query side exchanges the token (and password) for a short-lived grant: POST /v1/share/session there.',
    security: adminSecurity,
    params: z.object({ project_id: uuid }),
    body: adminBody(CreatePublicLink),
    responses: {
      201: { description: 'Created (PublicLinkCreated appended).', schema: CreatedPublicLink },
    },
    errors: { ...BODY_ERRORS, ...ADMIN_ERRORS, NOT_FOUND: 'No such project.' },
  }),
  revokePublicLink: defineRoute({
    method: 'delete',
    path: '/v1/admin/projects/{project_id}/public-links/{link_id}',
    tag: 'admin',
    summary: 'Revoke a public dashboard link',
    description:
      'The link and every grant made from it stop working on the query side within about a second. Idempotent: a link already revoked answers 204 too, with nothing appended.',
    security: adminSecurity,
    params: z.object({ project_id: uuid, link_id: uuid }),
    responses: { 204: { description: 'Revoked (PublicLinkRevoked appended), or already revoked.' } },
    errors: {
      ...ADMIN_ERRORS,
      NOT_FOUND: 'No such project, or no such link in it (a link of another project).',
    },
  }),
  changeSettings: defineRoute({
    method: 'put',
    path: '/v1/admin/projects/{project_id}/settings',
    tag: 'admin',
    summary:
      "Replace a project's settings: its time zone, declared domains, goals and excluded address ranges",
    description:
      'The whole settings each time: a field left out is not kept (`goals` and `excluded_address_ranges` may be left out and are then empty, removing those the project had; send back what GET /v1/projects/{project_id}/settings answers to keep them). `time_zone` is the default zone of the project’s reports, a canonical IANA name (`Asia/Kolkata`, `UTC`; offsets, another case and retired aliases such as `US/Eastern` are refused). `domains` are host names (lowercased; no scheme, port or path; at most 20) the Stats API accepts as `site_id`; a domain belongs to one project only. `goals` (at most 50) are the Stats API’s `event:goal` values: each `{"name", "event_name"}` (reached by each event of that name) or `{"name", "page_path"}` (reached by each page_view whose path matches: `*` any characters but `/`, `**` any characters); names are unique without regard to case, and an event or a pattern belongs to one goal. `excluded_address_ranges` (at most 50) are the client addresses whose traffic the project excludes, CIDR (`203.0.113.0/24`, `2001:db8::/32`) or single addresses, answered normalised (`198.51.100.7` → `198.51.100.7/32`); address bits past the prefix are refused with the range meant. Idempotent: the same settings again answer 200 with nothing appended.',
    security: adminSecurity,
    params: z.object({ project_id: uuid }),
    body: adminBody(ProjectSettings),
    responses: {
      200: {
        description: 'The settings now (ProjectSettingsChanged appended).',
        schema: ProjectSettingsView,
      },
    },
    errors: {
      ...BODY_ERRORS,
      ...ADMIN_ERRORS,
      NOT_FOUND: 'No such project.',
      CONFLICT: 'A domain is declared by another project; the message names it.',
    },
  }),
  registerUser: defineRoute({
    method: 'post',
    path: '/v1/admin/users',
    tag: 'admin',
    summary: 'Register a console user',
    description: 'The email is lowercased: it is the login.',
    security: adminSecurity,
    body: adminBody(RegisterUser),
    responses: { 201: { description: 'Registered (UserRegistered appended).', schema: RegisteredUser } },
    errors: { ...BODY_ERRORS, ...ADMIN_ERRORS, CONFLICT: 'The email is already registered.' },
  }),
  replayDlq: defineRoute({
    method: 'post',
    path: '/v1/admin/projections/{projection}/dlq/replay',
    tag: 'admin',
    summary: "Request a replay of a projection's dead-lettered records",
    description:
      'No body: the projection is the whole command. 202: the projections re-inject the records shortly after, once per request.',
    security: adminSecurity,
    params: ReplayDlq,
    responses: { 202: { description: 'Requested (DlqReplayRequested appended).', schema: ReplayRequested } },
    errors: {
      ...ADMIN_ERRORS,
      NOT_FOUND: `No such projection with a DLQ (one of ${PROJECTIONS.join(', ')}).`,
    },
  }),
} satisfies Record<string, RouteDoc>;

export function adminRouter(deps: AdminDeps): Router {
  const router = Router();
  const generateKey = deps.generateKey ?? generateApiKey;
  const generateToken = deps.generateShareToken ?? generateShareToken;
  const hash = deps.hashPassword ?? ((password: string) => hashPassword(password));
  const decideDeps = { now: deps.now, newId: deps.newId };

  let queue: Promise<unknown> = Promise.resolve();
  function serially<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  }

  async function commit<R>(decision: Decision<R>): Promise<R> {
    if (decision.kind === 'refuse') throw httpErrorOf(decision.error);
    if (decision.kind === 'append') {
      const value = encode(deps.codec, decision.event);
      await deps.appender.append([{ topic: deps.adminTopic, key: decision.key, value }]);
      deps.directory.apply(decision.event);
    }
    return decision.response;
  }

  /** Before a command: refused while not ready, then the directory read to the admin log's end. */
  async function ready(): Promise<void> {
    const notReady = deps.notReady();
    if (notReady) throw notReady;
    await deps.catchUp();
  }
  const readyStep: RequestHandler = (_req, _res, next) => void ready().then(() => next(), next);

  const sessions = sessionRoutes({
    directory: deps.directory,
    sessionSecret: deps.auth.sessionSecret,
    now: deps.now,
    newId: deps.newId,
    run: (decide) => serially(() => commit(decide())),
    ready,
    throttle: deps.loginThrottle,
    cookieSecure: deps.cookieSecure,
    sleep: deps.sleep,
  });
  mount(router, SESSION_ROUTES.login, sessions.login);
  mount(router, SESSION_ROUTES.logout, sessions.logout);
  mount(router, SESSION_ROUTES.revoke, sessions.revoke);

  router.use(
    '/v1/admin',
    adminAuth({ ...deps.auth, isRevoked: (sid) => deps.directory.sessionRevoked(sid) }),
    readyStep,
  );

  mount(router, ADMIN_ROUTES.createProject, async (req, res) => {
    const command = validate(CreateProject, req.body);
    const actor = adminActor(req).userId;
    const created: CreatedProject = await serially(() =>
      commit(decideCreateProject(command, actor, decideDeps)),
    );
    res.status(201).json(created);
  });

  mount(router, ADMIN_ROUTES.issueKey, async (req, res) => {
    const projectId = existingId(req.params.project_id, 'project');
    const input = validate(IssueKeyBody, req.body);
    const command = { ...input, project_id: projectId };
    const key = generateKey(command.kind);
    const issued: IssuedKey = await serially(() =>
      commit(decideIssueKey(deps.directory, command, key, hashApiKey(key), decideDeps)),
    );
    res.status(201).set('Cache-Control', 'no-store').json(issued);
  });

  mount(router, ADMIN_ROUTES.revokeKey, async (req, res) => {
    const project_id = existingId(req.params.project_id, 'project');
    const key_id = existingId(req.params.key_id, 'key');
    await serially(() => commit(decideRevokeKey(deps.directory, { project_id, key_id }, decideDeps)));
    res.status(204).end();
  });

  mount(router, ADMIN_ROUTES.createPublicLink, async (req, res) => {
    const project_id = existingId(req.params.project_id, 'project');
    const { password } = validate(CreatePublicLink, req.body);
    const actor = adminActor(req).userId;
    // Checked before hashing as well: a link of no project costs no hashing.
    if (!deps.directory.project(project_id)) {
      throw httpErrorOf({ code: 'PROJECT_NOT_FOUND', project_id });
    }
    const password_hash = password === undefined ? null : await hash(password);
    const token = generateToken();
    const created: CreatedPublicLink = await serially(() =>
      commit(
        decideCreatePublicLink(
          deps.directory,
          { project_id, token, token_hash: hashShareToken(token), password_hash },
          actor,
          decideDeps,
        ),
      ),
    );
    res.status(201).set('Cache-Control', 'no-store').json(created);
  });

  mount(router, ADMIN_ROUTES.revokePublicLink, async (req, res) => {
    const project_id = existingId(req.params.project_id, 'project');
    const link_id = existingId(req.params.link_id, 'public link');
    const actor = adminActor(req).userId;
    await serially(() =>
      commit(decideRevokePublicLink(deps.directory, { project_id, link_id }, actor, decideDeps)),
    );
    res.status(204).end();
  });

  mount(router, ADMIN_ROUTES.changeSettings, async (req, res) => {
    const projectId = existingId(req.params.project_id, 'project');
    const command = validate(ProjectSettings, req.body);
    const actor = adminActor(req).userId;
    const settings: ProjectSettingsView = await serially(() =>
      commit(decideChangeSettings(deps.directory, projectId, command, actor, decideDeps)),
    );
    res.status(200).json(settings);
  });

  mount(router, ADMIN_ROUTES.registerUser, async (req, res) => {
    const command = validate(RegisterUser, req.body);
    // Checked before hashing as well: a taken email costs no hashing.
    const taken = emailTaken(deps.directory, command.email);
    if (taken) throw httpErrorOf(taken);
    const passwordHash = await hash(command.password);
    const user: RegisteredUser = await serially(() =>
      commit(decideRegisterUser(deps.directory, command, passwordHash, decideDeps)),
    );
    res.status(201).json(user);
  });

  mount(router, ADMIN_ROUTES.replayDlq, async (req, res) => {
    const command = replayCommand(req.params.projection);
    const actor = adminActor(req).userId;
    const requested: ReplayRequested = await serially(() =>
      commit(decideReplayDlq(command, actor, decideDeps)),
    );
    res.status(202).json(requested);
  });

  return router;
}

/** A projection name in the path that names no projection with a DLQ: 404 naming it. */
function replayCommand(value: string | string[] | undefined): ReplayDlq {
  const parsed = ReplayDlq.safeParse({ projection: value });
  if (parsed.success) return parsed.data;
  const name = typeof value === 'string' ? value.slice(0, 80) : '';
  throw new HttpError('NOT_FOUND', `no such projection "${name}": one of ${PROJECTIONS.join(', ')}`);
}

/** A path id: lowercased, or a 404 naming `what` when it is not a UUID. */
function existingId(value: string | string[] | undefined, what: string): string {
  const id = typeof value === 'string' ? value : undefined;
  if (id === undefined || !uuid.safeParse(id).success) throw new HttpError('NOT_FOUND', `no such ${what}`);
  return id.toLowerCase();
}

function encode(codec: Pick<Codec, 'encode'>, event: AnyEvent): Buffer {
  // The union of (type, value) pairs is correct by construction; TypeScript cannot correlate them.
  return (codec.encode as (type: EventType, value: unknown) => Buffer)(event.type, event.value);
}
