/**
 * Admin commands, event-sourced into the admin topic: create a project, issue and revoke keys,
 * register console users, request a replay of a projection's DLQ; and the console's sessions
 * (log in, log out, revoke a session: `sessions.ts`). Each command is decided
 * against the directory, appended, and applied to the directory once Kafka acknowledges it, so
 * this instance sees its own changes at once. Commands run one at a time per instance, so two of them cannot decide on the same state.
 * Not CORS-open: only the console's own origin (or a script with the admin token) calls these.
 */
import {
  CreateProject,
  IssueApiKey,
  PROJECTIONS,
  RegisterUser,
  ReplayDlq,
  generateApiKey,
  hashApiKey,
  hashPassword,
  type AnyEvent,
  type ApiKeyKind,
  type Codec,
  type EventType,
} from '@eventlens/contracts';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { HttpError, validate } from '../errors';
import { jsonBody } from '../http/body';
import type { Appender } from '../log/appender';
import { adminActor, adminAuth, type AdminAuthOptions } from './auth';
import {
  decideCreateProject,
  decideIssueKey,
  decideRegisterUser,
  decideReplayDlq,
  decideRevokeKey,
  emailTaken,
  type Decision,
} from './decide';
import type { KeyDirectory } from './directory';
import { sessionRoutes } from './sessions';
import type { LoginThrottle, ThrottleOptions } from './throttle';

export interface AdminDeps {
  directory: KeyDirectory;
  appender: Appender;
  codec: Pick<Codec, 'encode'>;
  adminTopic: string;
  auth: AdminAuthOptions;
  notReady: () => HttpError | undefined;
  now: () => number;
  newId: () => string;
  generateKey?: (kind: ApiKeyKind) => string;
  hashPassword?: (password: string) => Promise<string>;
  /** The login throttle, or its options (defaults: see throttle.ts). */
  loginThrottle?: LoginThrottle | ThrottleOptions;
  /** Secure flag of the session cookie; `auto` follows req.secure (default). */
  cookieSecure?: 'auto' | 'always' | 'never';
  /** How a throttled login waits before it is answered; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
}

const IssueKeyBody = IssueApiKey.omit({ project_id: true });
const uuid = z.uuid();
const body = jsonBody({ types: ['application/json'], limitBytes: 64 * 1024 });

export function adminRouter(deps: AdminDeps): Router {
  const router = Router();
  const generateKey = deps.generateKey ?? generateApiKey;
  const hash = deps.hashPassword ?? ((password: string) => hashPassword(password));
  const decideDeps = { now: deps.now, newId: deps.newId };

  let queue: Promise<unknown> = Promise.resolve();
  function serially<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  }

  async function commit<R>(decision: Decision<R>): Promise<R> {
    if (decision.kind === 'refuse') throw decision.error;
    if (decision.kind === 'append') {
      const value = encode(deps.codec, decision.event);
      await deps.appender.append([{ topic: deps.adminTopic, key: decision.key, value }]);
      deps.directory.apply(decision.event);
    }
    return decision.response;
  }

  const ready: RequestHandler = (_req, _res, next) => next(deps.notReady());

  const sessions = sessionRoutes({
    directory: deps.directory,
    sessionSecret: deps.auth.sessionSecret,
    now: deps.now,
    newId: deps.newId,
    run: (decide) => serially(() => commit(decide())),
    notReady: deps.notReady,
    throttle: deps.loginThrottle,
    cookieSecure: deps.cookieSecure,
    sleep: deps.sleep,
  });
  router.post('/v1/auth/login', ...body, sessions.login);
  router.post('/v1/auth/logout', sessions.logout);
  router.post('/v1/auth/sessions/:sessionId/revoke', sessions.revoke);

  router.use(
    '/v1/admin',
    adminAuth({ ...deps.auth, isRevoked: (sid) => deps.directory.sessionRevoked(sid) }),
    ready,
  );

  router.post('/v1/admin/projects', ...body, async (req, res) => {
    const command = validate(CreateProject, req.body);
    const actor = adminActor(req).userId;
    res.status(201).json(await serially(() => commit(decideCreateProject(command, actor, decideDeps))));
  });

  router.post('/v1/admin/projects/:projectId/keys', ...body, async (req, res) => {
    const projectId = existingId(req.params.projectId, 'project');
    const input = validate(IssueKeyBody, req.body);
    const command = { ...input, project_id: projectId };
    const key = generateKey(command.kind);
    const issued = await serially(() =>
      commit(decideIssueKey(deps.directory, command, key, hashApiKey(key), decideDeps)),
    );
    res.status(201).set('Cache-Control', 'no-store').json(issued);
  });

  router.delete('/v1/admin/projects/:projectId/keys/:keyId', async (req, res) => {
    const project_id = existingId(req.params.projectId, 'project');
    const key_id = existingId(req.params.keyId, 'key');
    await serially(() => commit(decideRevokeKey(deps.directory, { project_id, key_id }, decideDeps)));
    res.status(204).end();
  });

  router.post('/v1/admin/users', ...body, async (req, res) => {
    const command = validate(RegisterUser, req.body);
    const taken = emailTaken(deps.directory, command.email);
    if (taken) throw taken;
    const passwordHash = await hash(command.password);
    const user = await serially(() =>
      commit(decideRegisterUser(deps.directory, command, passwordHash, decideDeps)),
    );
    res.status(201).json(user);
  });

  // No body: the projection is the whole command. 202: the replay itself happens in the ops worker.
  router.post('/v1/admin/projections/:projection/dlq/replay', async (req, res) => {
    const command = replayCommand(req.params.projection);
    const actor = adminActor(req).userId;
    res.status(202).json(await serially(() => commit(decideReplayDlq(command, actor, decideDeps))));
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

/** An id in the path that is not even a UUID names nothing: 404, like an unknown one. */
function existingId(value: string | string[] | undefined, what: string): string {
  const id = typeof value === 'string' ? value : undefined;
  if (id === undefined || !uuid.safeParse(id).success) throw new HttpError('NOT_FOUND', `no such ${what}`);
  return id.toLowerCase();
}

function encode(codec: Pick<Codec, 'encode'>, event: AnyEvent): Buffer {
  // The union of (type, value) pairs is correct by construction; TypeScript cannot correlate them.
  return (codec.encode as (type: EventType, value: unknown) => Buffer)(event.type, event.value);
}
