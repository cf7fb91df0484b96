/**
 * `createApp(deps)`: the HTTP surface of the query side. Everything it talks to comes in as a
 * parameter (the reader pool, the clock, the session secret), so tests build it against a
 * private database and main.ts against the real one.
 */
import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import type { Knex } from 'knex';
import { z } from 'zod';
import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { SESSION_COOKIE, SHARE_AUTH_SCHEME } from '@eventlens/contracts';
import { readerTables } from '@eventlens/read-model';
import { createCallers } from './auth/callers';
import { authRoutes } from './auth/routes';
import { createShareThrottle, shareRoutes, type ShareThrottleOptions } from './auth/share';
import { cors } from './http/cors';
import {
  healthHandlers,
  rejectMalformedQuery,
  silentLogger as kitSilentLogger,
  unroutedHandler,
} from '@eventlens/service-kit';
import { ApiError, describeSafely, errorHandler, type Logger } from './http/errors';
import { createMetrics } from './http/metrics';
import { mountRoutes, type AnyRoute } from './http/route';
import { eventRoutes } from './read-models/events';
import { exportRoutes } from './read-models/export';
import { contractRoutes } from './read-models/contracts';
import { dlqRoutes } from './read-models/dlq';
import { opsRoutes } from './read-models/ops';
import { projectRoutes } from './read-models/projects';
import { sessionRoutes } from './read-models/sessions';
import { statsRoutes } from './read-models/stats';
import { plausibleErrors, statsApiRoutes } from './stats/api';

export interface AppDeps {
  /** A pool of the read-only role (see createReaderDb). */
  db: Knex;
  /** The projections' EVENTLENS_SCHEMA_PREFIX: the read models are in `<prefix>analytics`, … (default none). */
  schemaPrefix?: string;
  sessionSecret: string;
  now?: () => number;
  logger?: Logger;
  /** Secure flag of the session cookie; `auto` follows req.secure (default). */
  cookieSecure?: 'auto' | 'always' | 'never';
  /** The proxies whose forwarding headers name the client (Express `trust proxy`; default `loopback`). */
  trustProxy?: readonly string[];
  /** How long read-key and project lookups are reused, ≤ 1000 ms (default 1000). */
  keyCacheTtlMs?: number;
  /** How long a session's revocation lookup is reused, ≤ 500 ms (default 250). */
  sessionCacheTtlMs?: number;
  /** Check every success body against its documented schema (tests). */
  validateResponses?: boolean;
  /** Bound of one CSV export (statement, idle transaction, wall clock), ms (default 600 000; config.ts). */
  exportTimeoutMs?: number;
  /** The throttle of public links' passwords (auth/share.ts; its defaults when unset). */
  shareThrottle?: ShareThrottleOptions;
  /** How a throttled public-link exchange waits before it is answered; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
}

export const silentLogger: Logger = kitSilentLogger;

/** EVENTLENS_QUERY_EXPORT_TIMEOUT_MS's default (config.ts). */
export const DEFAULT_EXPORT_TIMEOUT_MS = 600_000;

export function createApp(deps: AppDeps): Express {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  const { db } = deps;
  const tables = readerTables(deps.schemaPrefix ?? '');
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? ['loopback']);
  app.set('query parser', 'simple');
  // Before any route reads the query: a parameter that is not UTF-8 is a 400, not U+FFFD.
  app.use(rejectMalformedQuery);

  const metrics = createMetrics(db);
  app.use(metrics.middleware);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(
    cors({
      openMethod: (path) =>
        path === '/api/v2/query' || path === '/api/v2/funnel'
          ? 'POST'
          : path.startsWith('/v1/') && !path.startsWith('/v1/auth/')
            ? 'GET'
            : undefined,
    }),
  );
  app.use(cookieParser());

  const callers = createCallers({
    db,
    tables,
    sessionSecret: deps.sessionSecret,
    now,
    ...(deps.keyCacheTtlMs !== undefined ? { cacheTtlMs: deps.keyCacheTtlMs } : {}),
    ...(deps.sessionCacheTtlMs !== undefined ? { sessionCacheTtlMs: deps.sessionCacheTtlMs } : {}),
  });

  const routes: AnyRoute[] = [
    ...authRoutes({ db, tables, now }),
    ...shareRoutes({
      db,
      tables,
      sessionSecret: deps.sessionSecret,
      now,
      throttle: createShareThrottle(deps.shareThrottle),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
    }),
    ...projectRoutes(db, tables),
    ...eventRoutes(db, tables),
    ...exportRoutes(db, tables, { timeoutMs: deps.exportTimeoutMs ?? DEFAULT_EXPORT_TIMEOUT_MS, logger }),
    ...statsRoutes(db, tables, now),
    ...sessionRoutes(db, tables),
    ...opsRoutes(db, tables),
    ...dlqRoutes(db, tables),
    ...contractRoutes(db, tables),
  ];

  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'readKey', {
    type: 'http',
    scheme: 'bearer',
    description: "A project's read key: `Authorization: Bearer <read key>`.",
  });
  registry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description:
      "A console session from the command side's POST /v1/auth/login (refused once logged out or revoked). Project routes then need `project_id` or the X-EventLens-Project header.",
  });

  registry.registerComponent('securitySchemes', 'share', {
    type: 'http',
    scheme: SHARE_AUTH_SCHEME,
    description: `A public dashboard's grant from POST /v1/share/session: \`Authorization: ${SHARE_AUTH_SCHEME} <grant>\`. Accepted only by the dashboard's routes (the Stats API, its funnel, the project's settings), for the link's project, until the grant expires or the link is revoked.`,
  });

  registerOperationalPaths(registry);

  const router = express.Router();
  mountRoutes(router, registry, routes, { callers, validateResponses: deps.validateResponses ?? false });
  // The Stats API answers its clients' mistakes in Plausible's error shape (stats/api.ts).
  const statsApi = express.Router();
  mountRoutes(statsApi, registry, statsApiRoutes({ db, tables, callers, now }), {
    callers,
    validateResponses: deps.validateResponses ?? false,
  });
  statsApi.use(['/api/v2/query', '/api/v2/funnel'], plausibleErrors());

  let openapi: object | undefined;
  const document = () =>
    (openapi ??= new OpenApiGeneratorV3(registry.definitions).generateDocument({
      openapi: '3.0.3',
      info: {
        title: 'EventLens query API',
        version: '1',
        description:
          'Read-only API over the EventLens read models. Errors: `{ error: { code, message, fields? } }`. ' +
          'A method a path does not take is a 405 `METHOD_NOT_ALLOWED` whose `Allow` header lists the methods it takes. ' +
          'Times are UTC; ranges are [from, to).',
      },
    }));

  const { healthz, readyz } = healthHandlers({
    checks: {
      postgres: async () => {
        try {
          await db.raw('select 1').timeout(2000, { cancel: false });
        } catch (error) {
          // The log has the details; the public answer only says which dependency.
          logger.error('readiness check failed', { dependency: 'postgres', error: describeSafely(error) });
          throw new Error('unavailable');
        }
      },
    },
  });
  app.get('/healthz', (req, res) => {
    res.locals.route = '/healthz';
    healthz(req, res);
  });
  app.get('/readyz', (req, res) => {
    res.locals.route = '/readyz';
    readyz(req, res);
  });
  app.get('/metrics', async (_req, res) => {
    res.locals.route = '/metrics';
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.get('/v1/openapi.json', (_req, res) => {
    res.locals.route = '/v1/openapi.json';
    res.json(document());
  });
  app.use(statsApi);
  app.use(router);
  // A method the path does not take: 405 with Allow, read from the routes above (the kit's).
  app.use(
    unroutedHandler({
      notFound: () => new ApiError(404, 'NOT_FOUND', 'no such route'),
      methodNotAllowed: (message) => new ApiError(405, 'METHOD_NOT_ALLOWED', message),
    }),
  );
  app.use(errorHandler(logger));
  return app;
}

/** The routes outside /v1 that every service has, documented for completeness. */
function registerOperationalPaths(registry: OpenAPIRegistry): void {
  const Ready = z.object({
    status: z.enum(['ready', 'not ready']),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string() })),
    error: z.object({ code: z.literal('NOT_READY'), message: z.string() }).optional(),
  });
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    tags: ['operations'],
    summary: 'The process is up',
    responses: {
      200: {
        description: 'Up.',
        content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    tags: ['operations'],
    summary: 'PostgreSQL answers',
    responses: {
      200: { description: 'Ready.', content: { 'application/json': { schema: Ready } } },
      503: {
        description: 'A dependency does not answer; `error.message` and `checks` name it.',
        content: { 'application/json': { schema: Ready } },
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics',
    responses: {
      200: { description: 'Text exposition format.', content: { 'text/plain': { schema: z.string() } } },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/openapi.json',
    tags: ['operations'],
    summary: 'This document',
    responses: {
      200: {
        description: 'OpenAPI 3.0 document.',
        content: { 'application/json': { schema: z.object({}).loose() } },
      },
    },
  });
}
