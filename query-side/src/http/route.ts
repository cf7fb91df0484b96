/**
 * A route is declared once: method, path, who may call it, the Zod schemas of its query, path
 * parameters, body and responses, and a handler. `mountRoutes` wires it into Express (validation
 * included) and registers the same schemas in the OpenAPI registry, so the document at
 * /v1/openapi.json cannot drift from what the server accepts.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { formatPath, LIMITS, parseJsonBody } from '@eventlens/contracts';
import type { Caller, Callers } from '../auth/callers';
import { PROJECT_HEADER } from '../auth/callers';
import { shareMayCall } from '../auth/share-access';
import {
  ApiError,
  ErrorBody,
  fromZodError,
  forbidden,
  invalidField,
  invalidFields,
  unauthorized,
} from './errors';

/**
 * - `public`: no credentials.
 * - `caller`: a read key or a console session.
 * - `project`: a read key (its project) or a console session naming a project.
 * - `console`: a console session only.
 *
 * A public dashboard's grant (auth/share.ts) is a caller too, of one project, but only on the routes
 * SHARE_ROUTES lists: on any other route that is not `public` it is answered 403.
 */
export type AuthMode = 'public' | 'caller' | 'project' | 'console';

export type ConsoleCaller = Extract<Caller, { kind: 'console' }>;

export type AuthOf<A extends AuthMode> = A extends 'project'
  ? { caller: Caller; projectId: string }
  : A extends 'console'
    ? { caller: ConsoleCaller }
    : A extends 'caller'
      ? { caller: Caller }
      : Record<never, never>;

type AnyObject = z.ZodObject;

export interface HandlerInput<
  A extends AuthMode,
  Q extends AnyObject,
  P extends AnyObject,
  B extends z.ZodType,
> {
  auth: AuthOf<A>;
  query: z.output<Q>;
  params: z.output<P>;
  body: z.output<B>;
  req: Request;
  res: Response;
}

export interface RouteSpec<
  A extends AuthMode,
  Q extends AnyObject,
  P extends AnyObject,
  B extends z.ZodType,
  R extends z.ZodType,
> {
  method: 'get' | 'post';
  /** OpenAPI form, e.g. `/v1/events/{event_id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: A;
  query?: Q;
  params?: P;
  body?: B;
  /**
   * The success answer. Without a schema the route answers 204 with no body. With `mediaType`
   * (other than JSON) the handler writes the response itself, e.g. a stream, and returns undefined.
   */
  response: { status: 200 | 204; description: string; schema?: R; mediaType?: string };
  /** Statuses besides the common ones (400/401/404/503 are added from the route's shape). */
  errors?: Record<number, string>;
  /** The body of its 4xx answers when not ErrorBody (the Stats API answers Plausible's shape). */
  errorSchema?: z.ZodType;
  handle(input: HandlerInput<A, Q, P, B>): Promise<z.input<R> | undefined>;
}

/** A route with its generics erased, to keep lists of them. */
export interface AnyRoute {
  method: 'get' | 'post';
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: AuthMode;
  query?: AnyObject;
  params?: AnyObject;
  body?: z.ZodType;
  response: { status: 200 | 204; description: string; schema?: z.ZodType; mediaType?: string };
  errors?: Record<number, string>;
  errorSchema?: z.ZodType;
  handle(input: HandlerInput<AuthMode, AnyObject, AnyObject, z.ZodType>): Promise<unknown>;
}

export function defineRoute<
  A extends AuthMode,
  Q extends AnyObject = z.ZodObject<Record<never, never>, z.core.$strict>,
  P extends AnyObject = z.ZodObject<Record<never, never>, z.core.$strict>,
  B extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<A, Q, P, B, R>): AnyRoute {
  return spec as unknown as AnyRoute;
}

const projectIdParam = z.guid().optional().meta({
  format: 'uuid',
  description:
    'Console sessions: the project to read (or send the X-EventLens-Project header). Read keys: may be omitted; another project than the key’s answers 404.',
});

const projectHeaders = z.object({
  [PROJECT_HEADER]: z
    .guid()
    .optional()
    .meta({ format: 'uuid', description: 'Console sessions: the project to read.' }),
});

/** The query schema the route really validates: project routes also take `project_id`. */
function effectiveQuery(route: AnyRoute): AnyObject {
  const query = route.query ?? z.strictObject({});
  return route.auth === 'project' ? query.extend({ project_id: projectIdParam }) : query;
}

export interface MountOptions {
  callers: Callers;
  /** Parse every success body with its schema before sending (tests): a mismatch is a 500. */
  validateResponses: boolean;
}

/**
 * A body read as bytes and parsed under the contracts' exactness rule, as the command side's
 * (`parseJsonBody`): bytes that are not UTF-8, a lone surrogate, or a key repeated with another
 * value would otherwise reach a report as U+FFFD or as the last of the values, silently.
 */
const jsonBody: express.RequestHandler[] = [
  express.raw({ limit: '16kb', type: () => true }),
  (req, _res, next) => {
    const raw: unknown = req.body;
    const parsed = parseJsonBody(Buffer.isBuffer(raw) ? raw : Buffer.alloc(0), {
      maxDepth: LIMITS.bodyMaxDepth,
    });
    if (parsed.ok) {
      req.body = parsed.value;
      next();
    } else if (parsed.code === 'INVALID_JSON') next(new ApiError(400, 'INVALID_JSON', parsed.message));
    else next(invalidFields(parsed.issues.map((i) => ({ field: formatPath(i.path), message: i.message }))));
  },
];

/**
 * PostgreSQL text cannot hold U+0000: a NUL reaching a query would be a 500, so it is a 400
 * naming the field, for every string in the query, the path and the body.
 */
function rejectNul(value: unknown, path: string[] = [], depth = 0): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000'))
      throw invalidField(path.join('.') || '(root)', 'must not contain NUL characters');
    return;
  }
  if (value === null || typeof value !== 'object' || depth > 8) return;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('\u0000'))
      throw invalidField([...path, key].join('.'), 'must not contain NUL characters');
    rejectNul(child, [...path, key], depth + 1);
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  rejectNul(value);
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error);
  return result.data;
}

export function mountRoutes(
  router: Router,
  registry: OpenAPIRegistry,
  routes: AnyRoute[],
  options: MountOptions,
) {
  for (const route of routes) {
    const query = effectiveQuery(route);
    const params = route.params ?? z.strictObject({});
    const expressPath = route.path.replace(/\{(\w+)\}/g, ':$1');

    const handlers: express.RequestHandler[] = [
      (_req, res, next) => {
        res.locals.route = route.path;
        next();
      },
    ];
    if (route.body) {
      handlers.push(
        (req, _res, next) => {
          if (!req.is('application/json')) {
            next(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'));
            return;
          }
          next();
        },
        ...jsonBody,
      );
    }
    handlers.push(async (req, res) => {
      let auth: Record<string, unknown> = {};
      if (route.auth !== 'public') {
        const caller = await options.callers.authenticate(req);
        if (caller.kind === 'share' && !shareMayCall(route.method, route.path)) {
          throw forbidden('a public dashboard link reads its dashboard only: this route is not part of it');
        }
        if (route.auth === 'console' && caller.kind !== 'console') {
          throw unauthorized('this route needs a console session, not a read key');
        }
        auth = { caller };
      }
      const input = {
        auth,
        query: parse(query, req.query),
        params: parse(params, req.params),
        body: route.body ? parse(route.body, req.body) : undefined,
        req,
        res,
      };
      if (route.auth === 'project') {
        const fromQuery = (input.query as { project_id?: string }).project_id;
        const fromHeader = req.get(PROJECT_HEADER);
        if (
          fromQuery !== undefined &&
          fromHeader !== undefined &&
          fromQuery.toLowerCase() !== fromHeader.toLowerCase()
        ) {
          throw invalidField('project_id', `differs from the ${PROJECT_HEADER} header`);
        }
        auth.projectId = await options.callers.projectOf(auth.caller as Caller, fromQuery ?? fromHeader);
      }
      const body = await route.handle(input as HandlerInput<AuthMode, AnyObject, AnyObject, z.ZodType>);
      if (route.response.mediaType) return;
      if (route.response.status === 204 || !route.response.schema) {
        res.status(204).end();
        return;
      }
      let out = body;
      if (options.validateResponses) {
        const checked = route.response.schema.safeParse(body);
        if (!checked.success) {
          throw new Error(
            `response of ${route.method.toUpperCase()} ${route.path} does not match its schema: ${checked.error.message}`,
          );
        }
        out = checked.data;
      }
      res.status(route.response.status).json(out);
    });
    router[route.method](expressPath, ...handlers);

    registry.registerPath(openApiPath(route, query, params));
  }
}

function openApiPath(route: AnyRoute, query: AnyObject, params: AnyObject): RouteConfig {
  const error = (description: string, status?: number) => ({
    description,
    content: {
      'application/json': {
        schema: status !== undefined && status < 500 ? (route.errorSchema ?? ErrorBody) : ErrorBody,
      },
    },
  });
  const responses: RouteConfig['responses'] = {
    [route.response.status]: route.response.schema
      ? {
          description: route.response.description,
          content: { [route.response.mediaType ?? 'application/json']: { schema: route.response.schema } },
        }
      : { description: route.response.description },
  };
  const hasInput =
    Object.keys(query.shape).length > 0 || Object.keys(params.shape).length > 0 || route.body !== undefined;
  if (hasInput)
    responses[400] = error(
      'A parameter is invalid; `error.fields` names it. Unknown query parameters are refused too.',
      400,
    );
  if (route.auth !== 'public')
    responses[401] = error('No credentials, an unknown or revoked read key, or an expired session.', 401);
  if (route.auth === 'project' || route.path.includes('{')) {
    responses[404] = error('Not found, or it belongs to a project this caller cannot read.', 404);
  }
  for (const [status, description] of Object.entries(route.errors ?? {}))
    responses[Number(status)] = error(description, Number(status));
  const shared = route.auth !== 'public' && shareMayCall(route.method, route.path);
  if (route.auth !== 'public' && !shared)
    responses[403] = error('A public dashboard’s grant: this route is not part of the dashboard.', 403);
  if (route.auth !== 'public') responses[503] = error('PostgreSQL cannot answer right now (Retry-After).');

  const security: Array<Record<string, string[]>> =
    route.auth === 'public'
      ? []
      : route.auth === 'console'
        ? [{ session: [] }]
        : [{ readKey: [] }, { session: [] }, ...(shared ? [{ share: [] }] : [])];
  return {
    method: route.method,
    path: route.path,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security,
    request: {
      ...(Object.keys(query.shape).length > 0 ? { query } : {}),
      ...(Object.keys(params.shape).length > 0 ? { params } : {}),
      ...(route.auth === 'project' ? { headers: projectHeaders } : {}),
      ...(route.body
        ? { body: { required: true, content: { 'application/json': { schema: route.body } } } }
        : {}),
    },
    responses,
  };
}
