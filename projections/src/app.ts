/**
 * HTTP for operators only: /healthz (the process is up), /readyz (PostgreSQL and Kafka answer;
 * the service kit's shape), /metrics (Prometheus). Projections serve nothing else (DESIGN: "never
 * serve HTTP beyond health and metrics").
 */
import express, { type Express } from 'express';
import {
  errorBody,
  healthHandlers,
  httpMetrics,
  sendMetrics,
  type ReadinessCheck,
  type Registry,
} from '@eventlens/service-kit';
import type { ErrorCode } from './errors';

export type { ReadinessCheck };

export interface AppDeps {
  /** Named dependency checks; each rejects when its dependency does not answer. */
  checks: Record<string, ReadinessCheck>;
  registry: Registry;
  checkTimeoutMs?: number;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    httpMetrics(deps.registry, { routeOf: (req) => (req as express.Request).route?.path ?? 'unmatched' }),
  );

  const { healthz, readyz } = healthHandlers({
    checks: deps.checks,
    checkTimeoutMs: deps.checkTimeoutMs ?? 2000,
  });
  app.get('/healthz', healthz);
  app.get('/readyz', readyz);
  app.get('/metrics', (_req, res) => void sendMetrics(deps.registry, res));

  app.use((_req, res) => {
    res.status(404).json(errorBody<ErrorCode>('NOT_FOUND', 'no such endpoint'));
  });
  return app;
}
