/**
 * The HTTP application, built from its collaborators: no I/O of its own, so tests build it with
 * other parameters (another log, a directory fed by hand) and the composition root with real ones.
 */
import express, { Router, type Express } from 'express';
import { adminRouter, type AdminDeps } from './admin/routes';
import { commandSideDocument, OPENAPI_ROUTE } from './api-document';
import { errorMiddleware, notFoundHandler } from './http/error-middleware';
import { healthRouter, type ReadinessCheck } from './http/health';
import type { Metrics } from './http/metrics';
import { mount } from './http/openapi';
import { ingestRouter, type IngestDeps } from './ingest/routes';
import { rejectMalformedQuery, type Logger } from '@eventlens/service-kit';

export interface AppDeps {
  ingest: Omit<IngestDeps, 'onAccepted'>;
  admin: AdminDeps;
  metrics: Metrics;
  checks: () => ReadinessCheck[];
  /** What /metrics answers; `metrics.registry`'s text by default (cluster.ts: the whole service's). */
  scrape?: () => Promise<string>;
  logger: Logger;
  /** Express `trust proxy`: addresses and ranges of trusted proxies; none when absent or empty. */
  trustProxy?: string[];
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // req.ip is the connecting address unless that hop is a configured proxy (login throttling).
  app.set('trust proxy', deps.trustProxy && deps.trustProxy.length > 0 ? deps.trustProxy : false);
  app.set('query parser', 'simple');
  // Before any route reads the query: a parameter that is not UTF-8 is a 400, not U+FFFD.
  app.use(rejectMalformedQuery);
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(deps.metrics.httpMiddleware);
  app.use(healthRouter({ checks: deps.checks, registry: deps.metrics.registry, scrape: deps.scrape }));
  const openapi = Router();
  mount(openapi, OPENAPI_ROUTE, (_req, res) => {
    res.json(commandSideDocument());
  });
  app.use(openapi);
  app.use(ingestRouter({ ...deps.ingest, onAccepted: deps.metrics.acceptedEvents }));
  app.use(adminRouter(deps.admin));
  // A POST that no route took is readable from any origin: a tracker sending to a wrong path (a
  // `data-host` ending in /v1, the query API's host) then reads the 404, a final answer it drops,
  // where a response without CORS looks to it like a network error, retried on every page load.
  // The body names the method and path, nothing else.
  app.use((req, res, next) => {
    if (req.method === 'POST') res.set('Access-Control-Allow-Origin', '*');
    next();
  }, notFoundHandler);
  app.use(errorMiddleware(deps.logger));
  return app;
}
