/**
 * The command side's routes, each declared once: method, path, who may call it, the Zod schemas of
 * its path parameters, body and answers, and every error code it may answer with. `mount` wires a
 * declaration into an Express router (with the JSON body parser its declaration names), and
 * `openApiDocument` renders the same declarations with zod-to-openapi, as the query side does
 * (query-side/src/http/route.ts). A route mounted any other way is missing from the document, and
 * `openapi.unit.test.ts` fails.
 */
import { OpenApiGeneratorV3, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { CSRF_HEADER, SESSION_COOKIE } from '@eventlens/contracts';
import type { RequestHandler, Router } from 'express';
import { z } from 'zod';
import { ERROR_CODES, invalidFields, statusOf, type ErrorCode } from '../errors';
import { hasBody, jsonBody } from './body';

/** The ways to authenticate; a route's `security` lists the combinations it accepts. */
export type SecurityScheme = 'writeKey' | 'adminToken' | 'session' | 'csrf';

/** All schemes of one entry are needed together; any one entry will do (OpenAPI's rule). */
export type SecurityRequirement = Partial<Record<SecurityScheme, string[]>>;

export interface ResponseDoc {
  description: string;
  /** Without a schema the answer has no body. */
  schema?: z.ZodType;
  /** `application/json` unless said. */
  contentType?: string;
  /** Response headers worth naming (Set-Cookie of the login). */
  headers?: z.ZodObject;
}

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI form, e.g. `/v1/admin/projects/{project_id}/keys`; Express gets `:project_id`. */
  path: string;
  tag: 'ingestion' | 'admin' | 'auth' | 'operations';
  summary: string;
  description?: string;
  security: SecurityRequirement[];
  params?: z.ZodObject;
  /** A JSON body: the schema it is validated with, the media types and size the parser accepts. */
  body?: { schema: z.ZodType; types: string[]; limitBytes: number };
  /** The answers in a shape of their own: the success, and any that is not the shared error body. */
  responses: Record<number, ResponseDoc>;
  /** Every code the route may answer in the shared error shape (INTERNAL aside), and when. */
  errors: Partial<Record<ErrorCode, string>>;
}

/** Typed identity: a declaration checked where it is written. */
export function defineRoute(route: RouteDoc): RouteDoc {
  return route;
}

/** Express's form of an OpenAPI path: `{name}` → `:name`. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/**
 * Mounts `handler` for `route`, after `before` (CORS, authentication), the refusal of any query
 * parameter (no route here takes one) and, for a route with a body, the body parser of
 * `http/body.ts` with the declared media types and limit; a route without one refuses a body. An
 * input the route would not read is a 400 naming it, never ignored: `?dry_run=true` on a replay
 * would otherwise replay for real.
 */
export function mount(
  router: Router,
  route: RouteDoc,
  handler: RequestHandler,
  options: { before?: RequestHandler[] } = {},
): void {
  const body = route.body
    ? jsonBody({ types: route.body.types, limitBytes: route.body.limitBytes })
    : [noBody];
  router[route.method](expressPath(route.path), ...(options.before ?? []), noQuery, ...body, handler);
}

/** What `mount` answers for an input the route does not take (documented on every route). */
const NO_EXTRA_INPUT =
  'A query parameter (no route here takes one), or a body sent to a route that takes none.';

const noQuery: RequestHandler = (req, _res, next) => {
  // On every ingestion request: Express parses `req.query` at each read, so only a URL with a query reads it.
  if (!/\?./.test(req.url)) return next();
  const names = Object.keys(req.query as Record<string, unknown>);
  next(
    names.length > 0
      ? invalidFields(
          names.map((field) => ({ field, message: 'is not a parameter of this route: it takes none' })),
        )
      : undefined,
  );
};

const noBody: RequestHandler = (req, _res, next) => {
  next(
    hasBody(req)
      ? invalidFields([{ field: 'body', message: 'this route takes no body: send none' }])
      : undefined,
  );
};

/** What a request with a body may be refused with before its handler runs (http/body.ts). */
export const BODY_ERRORS = {
  INVALID_JSON:
    'The body is empty, not JSON, not UTF-8, or repeats a key with different values; the message says which.',
  INVALID_FIELD:
    'A field is invalid, unknown, or could not be stored and read back exactly; `error.fields` names each.',
  INVALID_BODY_ENCODING: 'The body does not inflate as its Content-Encoding says.',
  PAYLOAD_TOO_LARGE: 'The body is larger than the limit.',
  UNSUPPORTED_MEDIA_TYPE: 'Another Content-Type, a charset other than utf-8, or an unknown Content-Encoding.',
} as const satisfies Partial<Record<ErrorCode, string>>;

/** What a request that appends to the log may be refused with (Retry-After on both). */
export const APPEND_ERRORS = {
  LOG_UNAVAILABLE: 'Kafka does not acknowledge, or the circuit around it is open (Retry-After).',
  NOT_READY:
    'The schemas are not registered yet, the directory of projects and keys has not caught up, or the service is stopping (Retry-After).',
} as const satisfies Partial<Record<ErrorCode, string>>;

const FieldErrorSchema = z.object({ field: z.string(), message: z.string() });

/**
 * The shared error body (docs/CONVENTIONS.md). Its component id differs from the query side's
 * `Error`: zod's registry of ids is one per process, and the console's type generator loads both.
 */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      fields: z.array(FieldErrorSchema).optional(),
    }),
  })
  .meta({
    id: 'ErrorBody',
    description:
      'Every error answer. `code` is stable; `fields` names the inputs at fault. 429 and 503 carry Retry-After.',
  });

const retryAfter = z.object({
  'Retry-After': z.number().int().min(1).meta({ description: 'Seconds to wait before retrying.' }),
});

const SECURITY_SCHEMES = {
  writeKey: {
    type: 'http',
    scheme: 'bearer',
    description: "A project's write key, `Authorization: Bearer <write key>`, or `api_key` in the body.",
  },
  adminToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The admin token of the deployment (EVENTLENS_ADMIN_TOKEN): `Authorization: Bearer <token>`.',
  },
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: 'A console session from POST /v1/auth/login (refused once logged out or revoked).',
  },
  csrf: {
    type: 'apiKey',
    in: 'header',
    name: CSRF_HEADER,
    description:
      'Any non-empty value. Required of state-changing requests with a console session: a cross-site form cannot set it.',
  },
} as const satisfies Record<SecurityScheme, object>;

export type DocumentInfo = {
  title: string;
  version: string;
  description: string;
};

/** The OpenAPI 3.0 document of `routes`. */
export function openApiDocument(routes: readonly RouteDoc[], info: DocumentInfo) {
  const registry = new OpenAPIRegistry();
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) {
    registry.registerComponent('securitySchemes', name, scheme);
  }
  for (const route of routes) registry.registerPath(pathConfig(route));
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({ openapi: '3.0.3', info });
}

function pathConfig(route: RouteDoc): RouteConfig {
  const responses: RouteConfig['responses'] = {};
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.headers ? { headers: response.headers } : {}),
      ...(response.schema
        ? { content: { [response.contentType ?? 'application/json']: { schema: response.schema } } }
        : {}),
    };
  }
  const byStatus = new Map<number, string[]>();
  const errors = { INVALID_FIELD: NO_EXTRA_INPUT, ...route.errors };
  for (const [code, when] of Object.entries(errors) as Array<[ErrorCode, string]>) {
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), `\`${code}\`: ${when}`]);
  }
  for (const [status, lines] of [...byStatus].sort(([a], [b]) => a - b)) {
    if (responses[status]) throw new Error(`${route.method} ${route.path}: two answers for ${status}`);
    responses[status] = {
      description: lines.join('\n\n'),
      ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
      content: { 'application/json': { schema: ErrorBody } },
    };
  }
  return {
    method: route.method,
    path: route.path,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: route.security,
    request: {
      ...(route.params ? { params: route.params } : {}),
      ...(route.body
        ? {
            body: {
              required: true,
              content: Object.fromEntries(
                route.body.types.map((type) => [type, { schema: route.body!.schema }]),
              ),
            },
          }
        : {}),
    },
    responses,
  };
}
